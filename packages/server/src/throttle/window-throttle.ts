import { allowedVerdict, type Throttle, type ThrottleVerdict } from '@gatehouse/core';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

export function refusal(retryAfterMs: number, firstRefusal: boolean): ThrottleVerdict {
  // A counter caught at the instant it expires reports 0 or less: still a refusal, for a moment.
  return { allowed: false, retryAfterMs: Math.max(retryAfterMs, 1), firstRefusal };
}

/**
 * At most `limit` attempts per key in a fixed window (the limiter's duration). `consume` is one
 * atomic increment in the backend (a Lua script, an upsert), which is what keeps a burst of
 * parallel requests from all passing before any is counted.
 */
export function createWindowThrottle(limiter: RateLimiterAbstract, limit: number): Throttle {
  return {
    async check(key) {
      const counted = await limiter.get(key);
      // The memory limiter still reports a counter whose window just ended (its timer has not
      // fired yet): that is no counter.
      if (!counted || counted.consumedPoints <= limit || counted.msBeforeNext <= 0) return allowedVerdict;
      return refusal(counted.msBeforeNext, false);
    },
    async consume(key) {
      // `penalty`, not `consume`: it counts and answers without rejecting, and the verdict is ours.
      const counted = await limiter.penalty(key, 1);
      if (counted.consumedPoints <= limit) return allowedVerdict;
      return refusal(counted.msBeforeNext, counted.consumedPoints === limit + 1);
    },
    async refund(key) {
      await limiter.reward(key, 1);
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}
