import { Pool, TypeOverrides, types } from 'pg';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding Gatehouse's tables, created if missing. Default: the server's search_path (usually `public`). */
  schema?: string;
  /** Most connections the pool opens. Default 10. */
  poolSize?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const DEFAULT_POOL_SIZE = 10;

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
    // A startup parameter rather than a SET after connect: every connection the pool ever opens,
    // including replacements for broken ones, starts in the schema with no extra round trip.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection dropped by the server emits 'error' on the pool; unhandled, it would crash
  // the process. The pool discards that connection and the next query opens a fresh one.
  pool.on('error', () => {});
  return pool;
}
