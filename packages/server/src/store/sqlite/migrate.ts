import type { DatabaseSync } from 'node:sqlite';
import { migrate } from '../sql/migrate.ts';
import { openSqliteDatabase, type SqliteSync } from './database.ts';
import { sqliteDialect } from './dialect.ts';
import { createSqliteDriver } from './driver.ts';

/**
 * Brings the schema up to date (sql/migrate.ts) and returns the versions applied. The write lock
 * is held from the version check to the last migration, so two processes opening the same file
 * at once apply each migration exactly once.
 */
export function applySqliteMigrations(db: DatabaseSync): number[] {
  return createSqliteDriver(db).transactionSync(migrate(sqliteDialect));
}

/**
 * Migrates the SQLite database at `path` (for a `migrate` command); returns the versions applied.
 *
 * @example
 * const applied = await runSqliteMigrations({ path: './data/gatehouse.db' });
 */
export async function runSqliteMigrations(options: { path: string; sync?: SqliteSync }): Promise<number[]> {
  const db = openSqliteDatabase(options.path, { sync: options.sync });
  try {
    return applySqliteMigrations(db);
  } finally {
    db.close();
  }
}
