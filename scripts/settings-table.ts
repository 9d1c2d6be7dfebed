/**
 * Rewrites the settings table in docs/operations.md from the settings table in code
 * (packages/server/src/config.ts). `npm run docs:settings`; a test fails while they differ.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { formatSettingsTable } from '../packages/server/src/config.ts';
import { replaceSettingsTable } from '../packages/server/src/config/settings-text.ts';

const path = new URL('../docs/operations.md', import.meta.url);
const before = await readFile(path, 'utf8');
const after = replaceSettingsTable(before, formatSettingsTable());
if (after !== before) await writeFile(path, after);
console.log(
  after === before
    ? 'docs/operations.md: settings table up to date'
    : 'docs/operations.md: settings table rewritten',
);
