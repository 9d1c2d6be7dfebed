import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
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
});
