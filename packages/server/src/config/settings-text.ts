import type { SettingSpec } from './setting.ts';

/** The settings part of `--help`. */
export function formatSettingsHelp(settings: readonly SettingSpec[]): string {
  const lines = ['Settings (environment variable / flag; the flag wins):'];
  for (const setting of settings) {
    lines.push(`  ${setting.env}  ${setting.flag} <value>`);
    lines.push(`      ${setting.description} Default: ${setting.defaultText}.`);
  }
  return lines.join('\n');
}

/** Markers around the generated table in docs/operations.md. */
export const SETTINGS_TABLE_START = '<!-- settings table: generated from the settings table, do not edit -->';
export const SETTINGS_TABLE_END = '<!-- end of settings table -->';

// A pipe would end the cell; `<PORT>` would read as an HTML tag.
const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('<', '&lt;');

/** The settings as a Markdown table (docs/operations.md), between its markers. */
export function formatSettingsTable(settings: readonly SettingSpec[]): string {
  const rows = settings.map(
    (setting) =>
      `| \`${setting.env}\` | \`${setting.flag}\` | ${cell(setting.defaultText)} | ${cell(setting.description)}${setting.secret ? ' Secret: never echoed.' : ''} |`,
  );
  return [
    SETTINGS_TABLE_START,
    '| env | flag | default | meaning |',
    '|---|---|---|---|',
    ...rows,
    SETTINGS_TABLE_END,
  ].join('\n');
}

/** `document` with the text between the settings-table markers replaced by `table`. */
export function replaceSettingsTable(document: string, table: string): string {
  const start = document.indexOf(SETTINGS_TABLE_START);
  const end = document.indexOf(SETTINGS_TABLE_END);
  if (start === -1 || end < start) throw new Error('the settings-table markers are missing');
  return document.slice(0, start) + table + document.slice(end + SETTINGS_TABLE_END.length);
}
