import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { formatSettingsTable, settings } from '../config.ts';
import { alertSettings, metricsSettings } from '../metrics/metrics-config.ts';
import { authSettings } from './auth-settings.ts';
import { logSettings, serverSettings } from './server-settings.ts';
import { replaceSettingsTable, SETTINGS_TABLE_END, SETTINGS_TABLE_START } from './settings-text.ts';

const OPERATIONS = new URL('../../../../docs/operations.md', import.meta.url);

describe('the settings table in docs/operations.md', () => {
  it('is the one generated from the settings table (npm run docs:settings rewrites it)', async () => {
    const document = await readFile(OPERATIONS, 'utf8');
    const start = document.indexOf(SETTINGS_TABLE_START);
    const end = document.indexOf(SETTINGS_TABLE_END) + SETTINGS_TABLE_END.length;
    assert.ok(start !== -1 && end > start, 'docs/operations.md has the settings-table markers');
    assert.equal(
      document.slice(start, end),
      formatSettingsTable(),
      'docs/operations.md is stale: run npm run docs:settings',
    );
  });

  it('has one row per setting, naming its env var, flag and default', () => {
    const rows = formatSettingsTable()
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    assert.equal(rows.length, settings.length);
    for (const [index, setting] of settings.entries()) {
      assert.ok(rows[index]!.startsWith(`| \`${setting.env}\` | \`${setting.flag}\` |`), setting.env);
    }
  });

  it('documents the typed default of every setting whose default is a plain number or word', () => {
    // Most rows leave defaultText out (setting() fills it in); a row that gives one must agree.
    const tables = [serverSettings, authSettings, metricsSettings, alertSettings, logSettings];
    let checked = 0;
    for (const entry of tables.flatMap((table) => Object.values(table))) {
      if (typeof entry.fallback !== 'number' && typeof entry.fallback !== 'string') continue;
      assert.equal(entry.defaultText, String(entry.fallback), entry.env);
      checked++;
    }
    assert.ok(checked >= 20, `${checked} checked`);
  });

  it('replaces only the text between the markers', () => {
    const document = `before\n${SETTINGS_TABLE_START}\nold\n${SETTINGS_TABLE_END}\nafter\n`;
    assert.equal(replaceSettingsTable(document, 'new'), 'before\nnew\nafter\n');
    assert.throws(() => replaceSettingsTable('no markers', 'new'), /markers are missing/);
  });
});
