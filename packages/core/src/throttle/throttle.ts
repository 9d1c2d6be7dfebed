/**
 * The verdict on one attempt. A refusal says how long to wait, and whether it is the first refusal
 * since the limit was reached: worth one audit event, not one per refused request.
 */
export type ThrottleVerdict =
  | { allowed: true }
  | { allowed: false; retryAfterMs: number; firstRefusal: boolean };

/**
 * Counts attempts per key (an account, an IP address) and refuses them past a limit. The counters
 * live wherever the implementation keeps them (memory, Redis, PostgreSQL): core only asks, so it
 * stays free of drivers. `@gatehouse/server` implements it on rate-limiter-flexible.
 */
export interface Throttle {
  /** Whether `key` is being refused right now. Counts nothing. */
  check(key: string): Promise<ThrottleVerdict>;
  /**
   * Counts one attempt by `key` and decides it in the same step, so a burst of parallel attempts
   * cannot all slip under the limit before any of them is counted.
   */
  consume(key: string): Promise<ThrottleVerdict>;
  /** Takes back one counted attempt that turned out legitimate (a successful login). */
  refund(key: string): Promise<void>;
  /** Forgets everything counted for `key` (the account holder proved themselves). */
  reset(key: string): Promise<void>;
}

export const allowedVerdict: ThrottleVerdict = Object.freeze({ allowed: true });

/** A throttle that never refuses: the default when none is configured (tests, tools). */
export const unlimitedThrottle: Throttle = Object.freeze({
  check: async () => allowedVerdict,
  consume: async () => allowedVerdict,
  refund: async () => {},
  reset: async () => {},
});
