import { selectPendingMigrations } from './migration.ts';
import type { SqlDialect } from './driver.ts';
import { sqlMigrations } from './migrations.ts';
import { count, row, type SqlProgram, script } from './program.ts';

/**
 * Brings the schema up to date and returns the versions applied. The driver runs it in one
 * transaction that first takes the lock keeping other servers out (SQLite's write lock,
 * PostgreSQL's advisory lock), so each migration runs exactly once and a failed one leaves nothing.
 */
export function* migrate(dialect: SqlDialect): SqlProgram<number[]> {
  const { int64, tableOptions } = dialect.schema;
  yield* script(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at ${int64} NOT NULL
    )${tableOptions}
  `);
  const current = yield* row('SELECT coalesce(max(version), 0) AS version FROM schema_migrations');
  const pending = selectPendingMigrations(sqlMigrations(dialect), Number(current?.version ?? 0));
  for (const migration of pending) {
    yield* script(migration.sql);
    yield* count(
      'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      migration.version,
      migration.name,
      Date.now(),
    );
  }
  return pending.map((migration) => migration.version);
}
