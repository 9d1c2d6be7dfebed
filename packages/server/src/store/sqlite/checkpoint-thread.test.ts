import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { CHECKPOINT_INTERVAL_MS } from './checkpoint-thread.ts';
import { openSqliteStore } from './sqlite-store.ts';

const event = (index: number) => ({
  id: `event-${index}`,
  type: 'login.success',
  at: index,
  actorId: null,
  subjectId: null,
  sessionId: null,
  ip: null,
  userAgent: null,
  // Half a page: every row writes a page of its own.
  data: { padding: 'x'.repeat(2000) },
});

/** The WAL header's salts: a WAL started over (its next write at its start) has new ones. */
const walSalts = async (path: string) => (await readFile(`${path}-wal`)).subarray(16, 24).toString('hex');

/** Polls until `read` gives something other than `before`, or `ms` pass; the last value. */
async function changed(read: () => Promise<string>, before: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let now = await read();
  while (now === before && Date.now() < deadline) {
    await sleep(50);
    now = await read();
  }
  return now;
}

describe('SQLite checkpoint thread', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-sqlite-checkpoint-'));
  });
  after(() => rm(directory, { recursive: true, force: true }));

  it('copies committed pages into the database file without a commit doing it', async () => {
    const path = join(directory, 'checkpointed.db');
    const store = await openSqliteStore({ path });
    try {
      const migrated = (await stat(path)).size;
      // Well under the 1,000 WAL pages at which the writer's own commit would checkpoint.
      for (let index = 0; index < 60; index++) await store.audit.append(event(index));
      const deadline = Date.now() + CHECKPOINT_INTERVAL_MS * 5;
      while ((await stat(path)).size === migrated && Date.now() < deadline) await sleep(50);
      assert.ok((await stat(path)).size > migrated, 'the thread copied the WAL into the file');
      assert.equal((await store.audit.query({ limit: 1000 })).length, 60);
    } finally {
      await store.close();
    }
  });

  it('ends with the store: close resolves and the file opens again with every row', async () => {
    const path = join(directory, 'closed.db');
    const store = await openSqliteStore({ path });
    await store.audit.append(event(1));
    await store.close();
    const reopened = await openSqliteStore({ path });
    try {
      assert.equal((await reopened.audit.query({ limit: 10 })).length, 1);
    } finally {
      await reopened.close();
    }
  });

  it('starts the WAL over itself once all is copied, so that no commit syncs its new header', async () => {
    const path = join(directory, 'restarted.db');
    const store = await openSqliteStore({ path });
    try {
      await sleep(CHECKPOINT_INTERVAL_MS * 2);
      for (let index = 0; index < 20; index++) await store.audit.append(event(index));
      const before = await walSalts(path);
      // No write from the store meanwhile: only the thread can start the WAL over.
      const after = await changed(() => walSalts(path), before, CHECKPOINT_INTERVAL_MS * 6);
      assert.notEqual(after, before, 'the thread started the WAL over');
      // A commit now appends to the new WAL: its salts stay.
      await store.audit.append(event(100));
      assert.equal(await walSalts(path), after);
      assert.equal((await store.audit.query({ limit: 1000 })).length, 21);
    } finally {
      await store.close();
    }
  });

  it('writes nothing while nothing is written, even with two stores (two threads) on one file', async () => {
    const path = join(directory, 'quiet.db');
    const first = await openSqliteStore({ path });
    const second = await openSqliteStore({ path });
    try {
      for (let index = 0; index < 20; index++) await first.audit.append(event(index));
      await second.audit.append(event(50));
      // Time for both threads to copy and start the WAL over, then a quiet stretch.
      await sleep(CHECKPOINT_INTERVAL_MS * 4);
      const salts = await walSalts(path);
      const { mtimeMs, size } = await stat(`${path}-wal`);
      await sleep(CHECKPOINT_INTERVAL_MS * 5);
      assert.equal(await walSalts(path), salts, 'the WAL was not started over again');
      const now = await stat(`${path}-wal`);
      assert.deepEqual([now.mtimeMs, now.size], [mtimeMs, size], 'nothing was written to the WAL');
      assert.equal((await second.audit.query({ limit: 1000 })).length, 21);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
