import { Pool, TypeOverrides, types } from 'pg';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding Gatehouse's tables, created if missing. Default: the server's search_path (usually `public`). */
  schema?: string;
  /** Most connections the pool opens. Default 10. */
  poolSize?: number;
  /** Overrides of `POSTGRES_TIMEOUTS` (the throttle pool waits less: it has a memory fallback). */
  timeouts?: Partial<typeof POSTGRES_TIMEOUTS>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const DEFAULT_POOL_SIZE = 10;

/**
 * Every call is bounded (issue 10): a database that refuses, blackholes or stalls answers a request
 * with 503 within 5 s, never a hang. Waiting for a connection (a new one, or a free pool slot): 2 s.
 * A query, as the client sees it: 4 s (then its connection is destroyed). PostgreSQL itself cancels
 * a statement after 3 s and ends a session idle inside a transaction after 10 s, so a client cut
 * off mid-transaction does not hold row locks. Idle connections are dropped after 5 s: one that sat
 * through a partition is silent for good, and would cost the next request its full query timeout.
 */
export const POSTGRES_TIMEOUTS: {
  connectionTimeoutMillis: number;
  query_timeout: number;
  statement_timeout: number;
  idle_in_transaction_session_timeout: number;
  idleTimeoutMillis: number;
} = {
  connectionTimeoutMillis: 2_000,
  query_timeout: 4_000,
  statement_timeout: 3_000,
  idle_in_transaction_session_timeout: 10_000,
  idleTimeoutMillis: 5_000,
};

/** Migrations may rightly run long (an index on a big table): they lift the query bounds. */
export const UNBOUNDED_QUERY_MS = 24 * 60 * 60_000;

// Timestamps are BIGINT milliseconds; they stay far below 2^53, so a JS number holds them exactly.
// Set on the pool, not globally, so other users of `pg` in the process keep their parsing.
const parsers = new TypeOverrides();
parsers.setTypeParser(types.builtins.INT8, Number);

/** Validates the options and creates the pool; throws TypeError at start-up rather than on first query. */
export function createPostgresPool(options: PostgresStoreOptions): Pool {
  const { connectionString, schema, poolSize = DEFAULT_POOL_SIZE } = options;
  if (typeof connectionString !== 'string' || connectionString === '') {
    throw new TypeError('postgres: connectionString is required');
  }
  // Interpolated into a startup parameter below, so only plain lower-case identifiers are accepted.
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new TypeError('postgres: schema must match /^[a-z_][a-z0-9_]{0,62}$/');
  }
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw new TypeError('postgres: poolSize must be a positive integer');
  }
  const pool = new Pool({
    connectionString,
    max: poolSize,
    types: parsers,
    ...POSTGRES_TIMEOUTS,
    ...options.timeouts,
    // A startup parameter rather than a SET after connect: every connection the pool ever opens,
    // including replacements for broken ones, starts in the schema with no extra round trip.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection dropped by the server emits 'error' on the pool; unhandled, it would crash
  // the process. The pool discards that connection and the next query opens a fresh one.
  pool.on('error', () => {});
  return pool;
}
