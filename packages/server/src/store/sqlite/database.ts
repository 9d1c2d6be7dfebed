import { DatabaseSync } from 'node:sqlite';

/** How long a write waits for another process holding the file's write lock. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * `PRAGMA synchronous` in WAL mode (docs/stores.md): `normal` writes the WAL to the OS on commit
 * and syncs it at checkpoints, so a process crash or kill -9 loses nothing and an OS crash or power
 * loss may undo the last commits (never corrupts); `full` also fsyncs the WAL on every commit,
 * which node:sqlite does on the event loop (~3 ms per commit measured here, docs/benchmarks/journal.md).
 */
export type SqliteSync = 'normal' | 'full';
export const SQLITE_SYNC_MODES: readonly SqliteSync[] = ['normal', 'full'];

/**
 * `GATEHOUSE_SQLITE_THREAD`: where the store runs its statements (store-thread.ts). `auto` puts
 * them on the thread under `full` only: there every commit's fsync would hold the event loop
 * (0.3–3 ms each); under `normal` a commit is about 0.1 ms, less than the round trip to the
 * thread adds to the request, and a request's several round trips queue behind whatever else the
 * event loop runs (docs/benchmarks/journal.md, "The SQLite store on its own thread").
 */
export type SqliteThreadSetting = 'auto' | 'on' | 'off';
export const SQLITE_THREAD_SETTINGS: readonly SqliteThreadSetting[] = ['auto', 'on', 'off'];

/** Whether the store runs on its thread, for the setting and the sync mode (both defaulted). */
export function usesSqliteThread(
  setting: SqliteThreadSetting = 'auto',
  sync: SqliteSync = 'normal',
): boolean {
  return setting === 'on' || (setting === 'auto' && sync === 'full');
}

export interface SqliteDatabaseOptions {
  /** Default `normal`. */
  sync?: SqliteSync;
}

/** Opens the database file (or `:memory:`) with the connection settings every Gatehouse connection needs. */
export function openSqliteDatabase(path: string, options: SqliteDatabaseOptions = {}): DatabaseSync {
  const sync = options.sync ?? 'normal';
  if (!SQLITE_SYNC_MODES.includes(sync)) throw new Error(`unknown SQLite sync mode: ${String(sync)}`);
  const db = new DatabaseSync(path);
  try {
    // First, so that switching to WAL below also waits for a process holding the lock.
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Readers do not block the writer, and rotations do not block session lookups.
    db.exec('PRAGMA journal_mode = WAL');
    // Per connection, like foreign_keys: every connection to the file must set it.
    db.exec(`PRAGMA synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
    // Per connection and off by default in SQLite; the cascades from users and sessions rely on it.
    db.exec('PRAGMA foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
