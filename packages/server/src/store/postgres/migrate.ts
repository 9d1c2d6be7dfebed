import { escapeIdentifier, type Pool, type QueryConfig, type QueryResult } from 'pg';
import { migrate } from '../sql/migrate.ts';
import { runAsync } from '../sql/program.ts';
import { postgresDialect } from './dialect.ts';
import { postgresExecutor } from './driver.ts';
import { createPostgresPool, type PostgresStoreOptions, UNBOUNDED_QUERY_MS } from './pool.ts';
import { runInTransaction } from './transaction.ts';

/** Arbitrary, fixed: the advisory lock every Gatehouse server takes to migrate. */
const MIGRATION_LOCK_KEY = 0x6761_7465_6800;

/**
 * Brings the schema up to date (sql/migrate.ts) in one transaction and returns the versions
 * applied. Servers starting together queue on the advisory lock, so each migration runs exactly
 * once; the lock is released by the commit, and a failed migration leaves nothing behind.
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
    return runAsync(migrate(postgresDialect), postgresExecutor(client.query));
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
