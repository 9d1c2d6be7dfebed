import { escapeIdentifier, type Pool, type QueryConfig, type QueryResult } from 'pg';
import { selectPendingMigrations } from '../lib/migration.ts';
import { postgresMigrations } from './migrations.ts';
import { createPostgresPool, type PostgresStoreOptions, UNBOUNDED_QUERY_MS } from './pool.ts';
import { runInTransaction } from './transaction.ts';

/** Arbitrary, fixed: the advisory lock every Gatehouse server takes to migrate. */
const MIGRATION_LOCK_KEY = 0x6761_7465_6800;

/**
 * Brings the schema up to date in one transaction and returns the versions applied. Servers
 * starting together queue on the advisory lock, so each migration runs exactly once; the lock is
 * released by the commit, and a failed migration leaves nothing behind.
 */
export async function applyPostgresMigrations(pool: Pool, schema?: string): Promise<number[]> {
  return runInTransaction(pool, async (pooled) => {
    // No statement or read timeout here: a migration may take long, and waiting for the lock too.
    const client = {
      query: (text: string, values?: unknown[]): Promise<QueryResult> =>
        pooled.query({ text, values, query_timeout: UNBOUNDED_QUERY_MS } as QueryConfig),
    };
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // Under the lock because two concurrent CREATE SCHEMA IF NOT EXISTS can still collide and fail.
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${escapeIdentifier(schema)}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at BIGINT NOT NULL
      )
    `);
    const { rows } = await client.query('SELECT coalesce(max(version), 0) AS version FROM schema_migrations');
    const pending = selectPendingMigrations(postgresMigrations, rows[0].version);
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
    }
    return pending.map((migration) => migration.version);
  });
}

/**
 * Migrates the database (for a `migrate` command) without opening a store; returns the versions applied.
 *
 * @example
 * const applied = await runPostgresMigrations({ connectionString: process.env.DATABASE_URL! });
 */
export async function runPostgresMigrations(
  options: Omit<PostgresStoreOptions, 'poolSize'>,
): Promise<number[]> {
  const pool = createPostgresPool({ ...options, poolSize: 1 });
  try {
    return await applyPostgresMigrations(pool, options.schema);
  } finally {
    await pool.end();
  }
}
