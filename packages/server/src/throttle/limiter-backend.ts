import type { Pool } from 'pg';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
} from 'rate-limiter-flexible';
import type { RedisClient } from '../store/redis/scripts.ts';

/** Where rate-limiter-flexible keeps the counters. */
export type LimiterBackend =
  | { kind: 'memory' }
  | { kind: 'redis'; client: RedisClient }
  | { kind: 'postgres'; pool: Pick<Pool, 'query'> };

/** The table of the PostgreSQL backend, created by the store's migration 2. */
export const THROTTLE_TABLE = 'throttle_counters';

export interface LimiterSpec {
  /** Part of every key: `<keyPrefix><name>:<key>`. */
  name: string;
  points: number;
  durationSeconds: number;
}

/**
 * One rate-limiter-flexible limiter on the backend. The Redis and PostgreSQL ones carry a memory
 * limiter as insurance: should the shared store fail, this process keeps counting on its own,
 * rather than refusing every login or letting every guess through.
 */
export function createLimiter(
  backend: LimiterBackend,
  keyPrefix: string,
  spec: LimiterSpec,
): RateLimiterAbstract {
  const options = {
    keyPrefix: `${keyPrefix}${spec.name}`,
    points: spec.points,
    duration: spec.durationSeconds,
  };
  if (backend.kind === 'memory') return new RateLimiterMemory(options);
  const insuranceLimiter = new RateLimiterMemory(options);
  if (backend.kind === 'redis') {
    return new RateLimiterRedis({
      ...options,
      storeClient: backend.client,
      // Straight to the insurance while disconnected, instead of queueing behind a reconnect.
      rejectIfRedisNotReady: true,
      insuranceLimiter,
    });
  }
  return new RateLimiterPostgres({
    ...options,
    storeClient: backend.pool,
    storeType: 'pool',
    tableName: THROTTLE_TABLE,
    // The migration made it: no request can race a CREATE TABLE at start-up.
    tableCreated: true,
    // Its own timer could not be stopped on close; openThrottles sweeps instead.
    clearExpiredByTimeout: false,
    insuranceLimiter,
  });
}
