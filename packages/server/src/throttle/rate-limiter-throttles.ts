import {
  assertThrottlePolicy,
  defaultThrottlePolicy,
  type ThrottlePolicy,
  type Throttles,
  type WindowPolicy,
} from '@gatehouse/core';
import { createBackoffThrottle } from './backoff-throttle.ts';
import { createLimiter, type LimiterBackend } from './limiter-backend.ts';
import { createWindowThrottle } from './window-throttle.ts';

export interface RateLimiterThrottlesOptions {
  backend: LimiterBackend;
  /** Default `defaultThrottlePolicy`. */
  policy?: ThrottlePolicy;
  /** Start of every counter's key (Redis key, PostgreSQL row). Default `gatehouse:throttle:`. */
  keyPrefix?: string;
}

const HOUR_SECONDS = 3600;
// The attempt counter never refuses by itself (the backoff decides); its points only need to be finite.
const UNBOUNDED_POINTS = 2 ** 31 - 1;

/**
 * Every throttle of `Throttles` on rate-limiter-flexible. Counters are judged by the backend's
 * clock (Redis's, or this process's `Date.now()` for memory and PostgreSQL), not by the injected
 * `Clock`: tests drive time with node:test's mocked `Date`, or use short windows on Redis.
 *
 * @example
 * const throttles = createRateLimiterThrottles({ backend: { kind: 'redis', client } });
 * const auth = createAuth({ store, throttles });
 */
export function createRateLimiterThrottles(options: RateLimiterThrottlesOptions): Throttles {
  const { backend, policy = defaultThrottlePolicy, keyPrefix = 'gatehouse:throttle:' } = options;
  assertThrottlePolicy(policy);
  const limiter = (name: string, points: number, durationSeconds: number) =>
    createLimiter(backend, keyPrefix, { name, points, durationSeconds });
  const window = (name: string, { limit, windowSeconds }: WindowPolicy) =>
    createWindowThrottle(limiter(name, limit, windowSeconds), limit);
  const backoff = policy.loginAccount;

  return {
    loginAccount: createBackoffThrottle(
      {
        attempts: limiter('login-account', UNBOUNDED_POINTS, backoff.failureMemorySeconds),
        lock: limiter('login-account-lock', 1, backoff.baseLockSeconds),
        hourly: limiter('login-account-hour', backoff.maxFailuresPerHour, HOUR_SECONDS),
      },
      backoff,
    ),
    loginIp: window('login-ip', policy.loginIp),
    loginGlobal: window('login-global', policy.loginGlobal),
    registerIp: window('register-ip', policy.registerIp),
    resetRequestIp: window('reset-ip', policy.resetRequestIp),
    resetRequestAccount: window('reset-account', policy.resetRequestAccount),
    refreshSession: window('refresh-session', policy.refreshSession),
  };
}
