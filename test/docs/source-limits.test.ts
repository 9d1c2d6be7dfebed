/**
 * Issue 11, "Done when": no source file outside tests is over 300 lines. (Functions over 80 lines
 * are refused by Biome's noExcessiveLinesPerFunction in biome.json, which `npm run check` runs.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAX_LINES = 300;
const SOURCE = /\.(ts|js|css|html)$/;
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist']);

/** Every non-test source file under `directory`. */
export function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (SKIPPED_DIRECTORIES.has(entry.name)) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (SOURCE.test(entry.name) && !entry.name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

const lineCount = (path: string) => readFileSync(path, 'utf8').split('\n').length - 1;

describe('source size limits', () => {
  const packages = readdirSync(join(ROOT, 'packages')).map((name) => join(ROOT, 'packages', name, 'src'));
  const files = [...packages, join(ROOT, 'scripts')].flatMap(sourceFiles);

  it('finds the sources it judges (a wrong root would pass vacuously)', () => {
    assert.ok(files.length > 200, `${files.length} files`);
    assert.ok(files.some((file) => file.endsWith('packages/core/src/auth.ts')));
  });

  it(`keeps every source file outside tests within ${MAX_LINES} lines`, () => {
    const over = files
      .map((file) => ({ file: relative(ROOT, file), lines: lineCount(file) }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines}`);
    assert.deepEqual(over, []);
  });
});
