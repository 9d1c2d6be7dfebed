import type { Pool } from 'pg';
import type { RedisClient } from '../store/redis/scripts.ts';
import { THROTTLE_TABLE } from '../throttle/limiter-backend.ts';

/**
 * Small expiring counters that every auth server of one deployment writes and reads, so that
 * `/admin/stats` and the anomaly detector count all instances, not just the one that answers.
 * They live where the throttle counters live (Redis, or the PostgreSQL `throttle_counters` table).
 */
export interface SharedCounters {
  readonly backend: 'redis' | 'postgres';
  /** Adds one to `key`, kept for `ttlMs` after this write; resolves to its new value. */
  increment(key: string, ttlMs: number): Promise<number>;
  /** The values of `keys` in order; a missing or expired key reads 0. One round trip. */
  read(keys: readonly string[]): Promise<number[]>;
}

// One hash slot for all of them, so MGET and MULTI work on Redis Cluster too.
const REDIS_PREFIX = 'gatehouse:stats:{stats}:';
const POSTGRES_PREFIX = 'gatehouse:stats:';

export function createRedisCounters(client: RedisClient, prefix = REDIS_PREFIX): SharedCounters {
  return {
    backend: 'redis',
    async increment(key, ttlMs) {
      const full = prefix + key;
      const replies = await client.multi().incr(full).pexpire(full, ttlMs).exec();
      const [error, value] = replies?.[0] ?? [new Error('stats counter: no reply'), null];
      if (error) throw error;
      return Number(value);
    },
    async read(keys) {
      if (keys.length === 0) return [];
      const values = await client.mget(keys.map((key) => prefix + key));
      return values.map((value) => (value === null ? 0 : Number(value)));
    },
  };
}

/** Rows in the throttle table (swept with it); `expire` is ms since the epoch, as there. */
export function createPostgresCounters(pool: Pick<Pool, 'query'>): SharedCounters {
  return {
    backend: 'postgres',
    async increment(key, ttlMs) {
      const result = await pool.query<{ points: number }>(
        `INSERT INTO ${THROTTLE_TABLE} (key, points, expire) VALUES ($1, 1, $2)
         ON CONFLICT (key) DO UPDATE SET points = ${THROTTLE_TABLE}.points + 1, expire = EXCLUDED.expire
         RETURNING points`,
        [POSTGRES_PREFIX + key, Date.now() + ttlMs],
      );
      return Number(result.rows[0]?.points ?? 0);
    },
    async read(keys) {
      if (keys.length === 0) return [];
      const result = await pool.query<{ key: string; points: number }>(
        `SELECT key, points FROM ${THROTTLE_TABLE} WHERE key = ANY($1) AND expire >= $2`,
        [keys.map((key) => POSTGRES_PREFIX + key), Date.now()],
      );
      const byKey = new Map(result.rows.map((row) => [row.key, Number(row.points)]));
      return keys.map((key) => byKey.get(POSTGRES_PREFIX + key) ?? 0);
    },
  };
}
