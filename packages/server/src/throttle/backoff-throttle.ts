import { allowedVerdict, type BackoffPolicy, backoffLockSeconds, type Throttle } from '@gatehouse/core';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { refusal } from './window-throttle.ts';

export interface BackoffLimiters {
  /** Attempts since the last success (its duration: how long failures are remembered). */
  attempts: RateLimiterAbstract;
  /** The current lock: a window one attempt wide, as long as the backoff says. */
  lock: RateLimiterAbstract;
  /** Attempts in the current hour. */
  hourly: RateLimiterAbstract;
}

/**
 * Exponential backoff per account (see `BackoffPolicy`). Every attempt is counted before the
 * password is checked and a success resets the count, so the count is the run of failures plus
 * the attempt in flight, and concurrent guesses cannot all pass as "free". Once the run is past
 * the free failures, an attempt may go only if it is the first in a new lock window of
 * `backoffLockSeconds(count)`; if it fails, the window stands as the lock.
 */
export function createBackoffThrottle(limiters: BackoffLimiters, policy: BackoffPolicy): Throttle {
  const { attempts, lock, hourly } = limiters;

  async function check(key: string) {
    const [locked, hour] = await Promise.all([lock.get(key), hourly.get(key)]);
    // A counter past its window (msBeforeNext <= 0) is one the memory limiter has not dropped yet.
    if (locked && locked.consumedPoints > 0 && locked.msBeforeNext > 0)
      return refusal(locked.msBeforeNext, false);
    if (hour && hour.consumedPoints >= policy.maxFailuresPerHour && hour.msBeforeNext > 0)
      return refusal(hour.msBeforeNext, false);
    return allowedVerdict;
  }

  return {
    check,
    async consume(key) {
      const current = await check(key);
      if (!current.allowed) return current;
      const hour = await hourly.penalty(key, 1);
      if (hour.consumedPoints > policy.maxFailuresPerHour) return refusal(hour.msBeforeNext, false);
      const count = (await attempts.penalty(key, 1)).consumedPoints;
      const lockSeconds = backoffLockSeconds(count, policy);
      if (lockSeconds === 0) return allowedVerdict;
      // Opening the window is one atomic increment: of parallel attempts, only the first gets in.
      const window = await lock.penalty(key, 1, { customDuration: lockSeconds });
      if (window.consumedPoints === 1) return allowedVerdict;
      // Refused without trying the password: not a failure, so it does not lengthen the next lock.
      await attempts.reward(key, 1);
      return refusal(window.msBeforeNext, false);
    },
    async refund(key) {
      await Promise.all([attempts.reward(key, 1), hourly.reward(key, 1)]);
    },
    async reset(key) {
      await Promise.all([attempts.delete(key), lock.delete(key), hourly.delete(key)]);
    },
  };
}
