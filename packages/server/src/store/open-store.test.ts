import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openStore } from './open-store.ts';
import { probeSynchronous } from './sqlite/synchronous-probe.ts';

let directory: string;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'gatehouse-open-store-'));
});
after(() => rm(directory, { recursive: true, force: true }));

it('opens the embedded store with the configured GATEHOUSE_SQLITE_SYNC (normal by default)', async () => {
  for (const [sqliteSync, expected] of [
    [undefined, 1],
    ['normal', 1],
    ['full', 2],
  ] as const) {
    const probe = probeSynchronous();
    try {
      const store = await openStore({
        databaseUrl: null,
        dataDir: join(directory, `${sqliteSync}`),
        sqliteSync,
      });
      assert.equal(store.kind, 'sqlite');
      await store.close();
    } finally {
      probe.restore();
    }
    assert.ok(probe.seen.length > 0);
    for (const value of probe.seen) assert.equal(value, expected, `${sqliteSync}`);
  }
});
