// Test support: a backend's schema as plain data, to compare a database migrated by this code with
// the fixture taken from databases that the per-backend migrations (before issue 11) created.
import type { DatabaseSync } from 'node:sqlite';
import type { Pool } from 'pg';

const squash = (text: unknown) => (typeof text === 'string' ? text.replace(/\s+/g, ' ').trim() : text);

/** sqlite_master with whitespace squashed (SQLite keeps each CREATE as written), and migration names. */
export function dumpSqliteSchema(db: DatabaseSync): unknown {
  const objects = db
    .prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name')
    .all()
    .map((row) => ({ ...row, sql: squash(row.sql) }));
  const migrations = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
  return { objects, migrations: migrations.map((row) => ({ ...row })) };
}

/** Columns, indexes and constraints of one schema (its name replaced by `S`), and migration names. */
export async function dumpPostgresSchema(pool: Pool, schema: string): Promise<unknown> {
  const columns = await pool.query(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, collation_name
     FROM information_schema.columns WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  );
  const indexes = await pool.query(
    'SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
    [schema],
  );
  const constraints = await pool.query(
    `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
     FROM pg_constraint WHERE connamespace = $1::regnamespace ORDER BY conname`,
    [schema],
  );
  const migrations = await pool.query('SELECT version, name FROM schema_migrations ORDER BY version');
  const text = JSON.stringify({
    columns: columns.rows,
    indexes: indexes.rows,
    constraints: constraints.rows,
    migrations: migrations.rows,
  });
  return JSON.parse(text.replaceAll(`${schema}.`, 'S.'));
}
