import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { makeEvent } from '@gatehouse/core/testing';
import { openStore } from './open-store.ts';
import { probeSynchronous } from './sqlite/synchronous-probe.ts';

let directory: string;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'gatehouse-open-store-'));
});
after(() => rm(directory, { recursive: true, force: true }));

it('opens the embedded store with the configured GATEHOUSE_SQLITE_SYNC (normal by default)', async () => {
  // With the statements on the event loop, where this thread's probe sees the connections.
  const sqliteThread = 'off';
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
        sqliteThread,
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

it('runs the statements of the embedded store on a thread of their own with GATEHOUSE_SQLITE_THREAD=on, or auto under full', async () => {
  for (const [sqliteThread, sqliteSync, onThisThread] of [
    [undefined, undefined, true],
    ['auto', 'normal', true],
    ['auto', 'full', false],
    ['on', 'normal', false],
    ['off', 'full', true],
  ] as const) {
    const probe = probeSynchronous();
    const name = `thread-${sqliteThread}-${sqliteSync}`;
    try {
      const store = await openStore({
        databaseUrl: null,
        dataDir: join(directory, name),
        sqliteThread,
        sqliteSync,
      });
      // A write: a transaction begun by a connection in this thread shows in the probe.
      await store.audit.append(makeEvent());
      assert.equal((await store.audit.query({ limit: 10 })).length, 1);
      await store.close();
    } finally {
      probe.restore();
    }
    // Opening migrates in a transaction, on whichever thread runs the statements.
    assert.equal(probe.seen.length > 0, onThisThread, name);
  }
});
