import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteDatabase } from './database.ts';
import { sqliteMigrations } from './migrations.ts';
import { runSqliteMigrations } from './migrate.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { probeSynchronous } from './synchronous-probe.ts';

describe('SQLite migrations', () => {
  let directory: string;
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-sqlite-migrate-'));
  });
  after(() => rm(directory, { recursive: true, force: true }));

  it('are numbered 1, 2, 3, … in order', () => {
    assert.deepEqual(
      sqliteMigrations.map((migration) => migration.version),
      sqliteMigrations.map((_, index) => index + 1),
    );
  });

  it('apply once, then find nothing to do', async () => {
    const path = join(directory, 'once.db');
    assert.deepEqual(
      await runSqliteMigrations({ path }),
      sqliteMigrations.map((m) => m.version),
    );
    assert.deepEqual(await runSqliteMigrations({ path }), []);
    const store = await openSqliteStore({ path });
    await store.close();
  });

  it('open the file in WAL mode with foreign keys enforced', () => {
    const db = openSqliteDatabase(join(directory, 'pragmas.db'));
    try {
      assert.equal(db.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal');
      assert.equal(db.prepare('PRAGMA foreign_keys').get()?.foreign_keys, 1);
      assert.ok((db.prepare('PRAGMA busy_timeout').get()?.timeout as number) > 0);
    } finally {
      db.close();
    }
  });

  it('set PRAGMA synchronous on each connection: NORMAL (1) by default, FULL (2) when asked', async () => {
    for (const [sync, expected] of [
      [undefined, 1],
      ['normal', 1],
      ['full', 2],
    ] as const) {
      const db = openSqliteDatabase(join(directory, `sync-${sync}.db`), { sync });
      try {
        assert.equal(db.prepare('PRAGMA synchronous').get()?.synchronous, expected, `${sync}`);
      } finally {
        db.close();
      }
    }
    assert.throws(
      () => openSqliteDatabase(':memory:', { sync: 'off' as 'full' }),
      /unknown SQLite sync mode/,
    );
  });

  // Opening a store runs the migration check in a transaction on the store's own connection.
  it('run migrations and the store on connections with the sync mode asked for', async () => {
    for (const [sync, expected] of [
      [undefined, 1],
      ['full', 2],
    ] as const) {
      const path = join(directory, `store-sync-${sync}.db`);
      const probe = probeSynchronous();
      try {
        await runSqliteMigrations({ path, sync });
        assert.deepEqual(probe.seen, [expected], `migrate, ${sync}`);
        const store = await openSqliteStore({ path, sync });
        await store.close();
      } finally {
        probe.restore();
      }
      assert.ok(probe.seen.length >= 2, `store, ${sync}: ${probe.seen}`);
      for (const value of probe.seen) assert.equal(value, expected, `store, ${sync}`);
    }
  });

  it('refuse a database migrated by a newer version', async () => {
    const path = join(directory, 'newer.db');
    await runSqliteMigrations({ path });
    const db = openSqliteDatabase(path);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run();
    db.close();
    await assert.rejects(openSqliteStore({ path }), /newer than this Gatehouse knows/);
  });
});
