import type { ThrottlePolicy, Throttles } from '@gatehouse/core';
import type { Pool } from 'pg';
import type { GatehouseConfig } from '../config.ts';
import { connectBoundedRedis, redisTargetOf } from '../lib/bounded-redis.ts';
import {
  createPostgresCounters,
  createRedisCounters,
  type SharedCounters,
} from '../metrics/shared-counters.ts';
import { isUnavailableError } from '../store/lib/unavailable-error.ts';
import { THROTTLE_TABLE } from './limiter-backend.ts';
import { createRateLimiterThrottles } from './rate-limiter-throttles.ts';

export interface OpenedThrottles {
  throttles: Throttles;
  /** Where the counters live. */
  backend: 'redis' | 'postgres' | 'memory';
  /** Counters for `/admin/stats` and the anomaly detector on the same backend; null in memory. */
  counters: SharedCounters | null;
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 5 * 60_000;

/**
 * Picks where the counters live, so that every auth server behind one deployment counts together:
 * - `REDIS_URL` set: Redis (atomic Lua increments, expiry by TTL), on a connection of its own;
 * - else `DATABASE_URL` set: the PostgreSQL database (one upsert per count), on a small pool of its
 *   own, with expired rows swept every five minutes;
 * - else this process's memory: the embedded server is one process.
 */
export async function openThrottles(
  config: Pick<GatehouseConfig, 'redisUrl' | 'databaseUrl'> &
    Partial<
      Pick<GatehouseConfig, 'redisCluster' | 'redisClusterNodes' | 'redisSentinels' | 'redisSentinelPassword'>
    >,
  options: { policy?: ThrottlePolicy; onError?: (error: Error) => void } = {},
): Promise<OpenedThrottles> {
  const { policy, onError = () => {} } = options;
  const redis = redisTargetOf(config);
  if (redis) {
    // While disconnected, counts go to the memory insurance limiter at once (rejectIfRedisNotReady).
    const client = await connectBoundedRedis(redis, onError);
    return {
      throttles: createRateLimiterThrottles({ backend: { kind: 'redis', client }, policy }),
      backend: 'redis',
      counters: createRedisCounters(client),
      async close() {
        client.disconnect();
      },
    };
  }
  if (config.databaseUrl) {
    const { createPostgresPool } = await import('../store/postgres/pool.ts');
    const pool = createPostgresPool({
      connectionString: config.databaseUrl,
      poolSize: 4,
      // Counting has a memory fallback, so it waits far less than a store call before using it.
      timeouts: { connectionTimeoutMillis: 500, query_timeout: 800, statement_timeout: 700 },
    });
    const sweep = setInterval(() => {
      pool.query(`DELETE FROM ${THROTTLE_TABLE} WHERE expire < $1`, [Date.now()]).catch(onError);
    }, SWEEP_INTERVAL_MS);
    sweep.unref();
    const guarded = failFast(pool, onError);
    return {
      throttles: createRateLimiterThrottles({ backend: { kind: 'postgres', pool: guarded }, policy }),
      backend: 'postgres',
      counters: createPostgresCounters(guarded),
      async close() {
        clearInterval(sweep);
        if (!pool.ended) await pool.end();
      },
    };
  }
  return {
    throttles: createRateLimiterThrottles({ backend: { kind: 'memory' }, policy }),
    backend: 'memory',
    counters: null,
    async close() {},
  };
}

/** After a failure, how long counts go straight to the memory insurance limiter. */
const FAIL_FAST_MS = 2_000;

/**
 * A login consults several counters one after the other; against a database that hangs, each
 * would wait out its own timeout. After one fails, the rest fail at once for FAIL_FAST_MS, so
 * rate-limiter-flexible's insurance (memory) limiter counts them and the login stays fast.
 */
function failFast(pool: Pick<Pool, 'query'>, onError: (error: Error) => void): Pick<Pool, 'query'> {
  let downUntil = 0;
  const query = (async (...args: Parameters<Pool['query']>) => {
    if (Date.now() < downUntil) throw new Error('throttle database unavailable: counting in memory');
    try {
      return await (pool.query as (...a: unknown[]) => Promise<unknown>)(...args);
    } catch (error) {
      if (isUnavailableError(error)) downUntil = Date.now() + FAIL_FAST_MS;
      onError(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }) as unknown as Pool['query'];
  return { query };
}
