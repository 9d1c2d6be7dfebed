import type { GatehouseStore } from '@gatehouse/core';
import { createSqlSubStores } from '../sql/sql-store.ts';
import { startCheckpointThread, WRITER_CHECKPOINT_PAGES } from './checkpoint-thread.ts';
import { openSqliteDatabase, type SqliteSync } from './database.ts';
import { createSqliteDriver } from './driver.ts';
import { applySqliteMigrations } from './migrate.ts';
import { openSqliteStoreOnThread, type StoreThreadOptions } from './store-thread.ts';

export interface SqliteStoreOptions {
  /** Database file, created if missing; `:memory:` for a private, throw-away database. */
  path: string;
  /** `PRAGMA synchronous` (database.ts): `normal` (default) or `full` (fsync on every commit). */
  sync?: SqliteSync;
  /**
   * Run the statements on a thread of the store's own instead of the event loop (store-thread.ts);
   * an object is `true` with the thread's options (its limits, who is told when it ends and a new
   * one takes over). Default false; the server decides with `GATEHOUSE_SQLITE_THREAD`
   * (`usesSqliteThread`).
   */
  thread?: boolean | StoreThreadOptions;
}

/**
 * The embedded backend: one SQLite file (WAL mode, `synchronous` per `options.sync`) via `node:sqlite`, migrated on open. Safe to
 * share between processes on one machine; every multi-statement operation is one transaction.
 *
 * @example
 * const store = await openSqliteStore({ path: './data/gatehouse.db' });
 * const auth = createAuth({ store });
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<GatehouseStore> {
  if (options.thread) {
    const threadOptions = options.thread === true ? {} : options.thread;
    return openSqliteStoreOnThread({ path: options.path, sync: options.sync }, threadOptions);
  }
  const db = openSqliteDatabase(options.path, { sync: options.sync });
  try {
    applySqliteMigrations(db);
  } catch (error) {
    db.close();
    throw error;
  }
  // A file's WAL is copied back by a thread of its own, not inside a commit on the event loop.
  const inMemory = options.path === ':memory:' || options.path === '';
  const checkpoints = inMemory ? null : startCheckpointThread(options.path, options.sync ?? 'normal');
  // The thread keeps the WAL short; the commit's own checkpoint (1,000 pages by default, on the
  // event loop) stays only as the fallback of a thread that falls far behind.
  if (checkpoints) db.exec(`PRAGMA wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
  return {
    kind: 'sqlite',
    ...createSqlSubStores(createSqliteDriver(db)),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      // The thread first: the last connection to close checkpoints what is left, as before.
      await checkpoints?.close();
      if (db.isOpen) db.close();
    },
  };
}
