import { DatabaseSync } from 'node:sqlite';

/** How long a write waits for another process holding the file's write lock. */
const BUSY_TIMEOUT_MS = 5000;

/** Opens the database file (or `:memory:`) with the connection settings every Gatehouse connection needs. */
export function openSqliteDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    // First, so that switching to WAL below also waits for a process holding the lock.
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Readers do not block the writer, and rotations do not block session lookups.
    db.exec('PRAGMA journal_mode = WAL');
    // Per connection and off by default in SQLite; the cascades from users and sessions rely on it.
    db.exec('PRAGMA foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
