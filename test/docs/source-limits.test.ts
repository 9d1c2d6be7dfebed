/**
 * Issue 11, "Done when": no source file outside tests is over 300 lines. (Functions over 80 lines
 * are refused by Biome's noExcessiveLinesPerFunction in biome.json, which `npm run check` runs.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sourceFiles } from '../support/source-files.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAX_LINES = 300;
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
