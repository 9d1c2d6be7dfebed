import type { ThrottlePolicy, Throttles } from '@gatehouse/core';
import type { GatehouseConfig } from '../config.ts';
import { THROTTLE_TABLE } from './limiter-backend.ts';
import { createRateLimiterThrottles } from './rate-limiter-throttles.ts';

export interface OpenedThrottles {
  throttles: Throttles;
  /** Where the counters live. */
  backend: 'redis' | 'postgres' | 'memory';
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
  config: Pick<GatehouseConfig, 'redisUrl' | 'databaseUrl'>,
  options: { policy?: ThrottlePolicy; onError?: (error: Error) => void } = {},
): Promise<OpenedThrottles> {
  const { policy, onError = () => {} } = options;
  if (config.redisUrl) {
    const { Redis } = await import('ioredis');
    const client = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
    // Connection trouble is reported, not thrown: the limiters fall back to memory meanwhile.
    client.on('error', onError);
    await client.connect();
    return {
      throttles: createRateLimiterThrottles({ backend: { kind: 'redis', client }, policy }),
      backend: 'redis',
      async close() {
        client.disconnect();
      },
    };
  }
  if (config.databaseUrl) {
    const { createPostgresPool } = await import('../store/postgres/pool.ts');
    const pool = createPostgresPool({ connectionString: config.databaseUrl, poolSize: 4 });
    const sweep = setInterval(() => {
      pool.query(`DELETE FROM ${THROTTLE_TABLE} WHERE expire < $1`, [Date.now()]).catch(onError);
    }, SWEEP_INTERVAL_MS);
    sweep.unref();
    return {
      throttles: createRateLimiterThrottles({ backend: { kind: 'postgres', pool }, policy }),
      backend: 'postgres',
      async close() {
        clearInterval(sweep);
        if (!pool.ended) await pool.end();
      },
    };
  }
  return {
    throttles: createRateLimiterThrottles({ backend: { kind: 'memory' }, policy }),
    backend: 'memory',
    async close() {},
  };
}
