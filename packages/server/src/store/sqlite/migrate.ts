import type { DatabaseSync } from 'node:sqlite';
import { selectPendingMigrations } from '../lib/migration.ts';
import { openSqliteDatabase } from './database.ts';
import { sqliteMigrations } from './migrations.ts';
import { runInImmediateTransaction } from './transaction.ts';

/**
 * Brings the schema up to date in one transaction and returns the versions applied. The write
 * lock is held from the version check to the last migration, so two processes opening the same
 * file at once apply each migration exactly once.
 */
export function applySqliteMigrations(db: DatabaseSync): number[] {
  return runInImmediateTransaction(db, () => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      ) STRICT
    `);
    const row = db.prepare('SELECT coalesce(max(version), 0) AS version FROM schema_migrations').get();
    const pending = selectPendingMigrations(sqliteMigrations, row?.version as number);
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, Date.now());
    }
    return pending.map((migration) => migration.version);
  });
}

/**
 * Migrates the SQLite database at `path` (for a `migrate` command); returns the versions applied.
 *
 * @example
 * const applied = await runSqliteMigrations({ path: './data/gatehouse.db' });
 */
export async function runSqliteMigrations(options: { path: string }): Promise<number[]> {
  const db = openSqliteDatabase(options.path);
  try {
    return applySqliteMigrations(db);
  } finally {
    db.close();
  }
}
