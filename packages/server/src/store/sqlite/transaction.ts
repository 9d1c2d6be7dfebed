import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `work` in a `BEGIN IMMEDIATE` transaction. Within this process the synchronous driver
 * already keeps other calls out; IMMEDIATE takes the write lock up front so another process
 * sharing the file waits (busy_timeout) instead of reading the same row and writing after us.
 * `work` must be synchronous: an await inside would let other calls run in our transaction.
 */
export function runInImmediateTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
