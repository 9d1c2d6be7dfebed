import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findSharedBlocks } from './shared-blocks.ts';

const storeRoot = new URL('..', import.meta.url).pathname;

// Issue 11: the SQL is written once (sql/), and the two drivers share no block with it or each
// other. Also run by hand: npx node --test packages/server/src/store/sql/no-copies.test.ts
describe('the SQL stores', () => {
  it('share no block of 4 lines between sqlite/, postgres/ and sql/', async () => {
    const blocks = await findSharedBlocks(storeRoot, ['sqlite', 'postgres', 'sql']);
    const report = blocks.map((block) => `${block.places.join(', ')}:\n  ${block.lines.join('\n  ')}`);
    assert.deepEqual(report, []);
  });

  it('would notice a copy whose placeholders and indentation were changed', async () => {
    const root = await mkdtemp(join(tmpdir(), 'gatehouse-copies-'));
    try {
      const original = await readFile(new URL('./refresh-token-store.ts', import.meta.url), 'utf8');
      let index = 0;
      const copy = original.replace(/\?/g, () => `$${++index}`).replace(/^ {2}/gm, '    ');
      await mkdir(join(root, 'a'));
      await mkdir(join(root, 'b'));
      await writeFile(join(root, 'a', 'store.ts'), original);
      await writeFile(join(root, 'b', 'store.ts'), copy);
      assert.ok((await findSharedBlocks(root, ['a', 'b'])).length > 10);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
