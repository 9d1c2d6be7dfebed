/** At most `limit` events per key in a fixed window of `windowSeconds`. */
export interface WindowPolicy {
  limit: number;
  windowSeconds: number;
}

/**
 * Exponential backoff on an account's failed logins. The first `freeFailures` cost nothing; after
 * that, each further failure locks the account for twice as long as the one before, starting at
 * `baseLockSeconds` and capped at `maxLockSeconds`. However the locks fall, no account sees more
 * than `maxFailuresPerHour` attempts an hour. Failures are remembered for `failureMemorySeconds`
 * after the first one, or until a successful login or a completed password reset.
 */
export interface BackoffPolicy {
  freeFailures: number;
  baseLockSeconds: number;
  maxLockSeconds: number;
  maxFailuresPerHour: number;
  failureMemorySeconds: number;
}

export interface ThrottlePolicy {
  loginAccount: BackoffPolicy;
  /** Failed (or in-flight) login attempts per client address. */
  loginIp: WindowPolicy;
  /** Failed logins across every account; past it, all logins wait for the window to end. */
  loginGlobal: WindowPolicy;
  registerIp: WindowPolicy;
  resetRequestIp: WindowPolicy;
  resetRequestAccount: WindowPolicy;
  /**
   * Refresh-token rotations per session (hybrid and token strategies). Each rotation stores a
   * token (kept with its family, so that a replay of it is seen as theft) and an audit event:
   * without a limit, one client refreshing in a loop grew both by about a thousand rows a second.
   */
  refreshSession: WindowPolicy;
}

/**
 * The defaults: generous for people (five free mistakes, a lock of seconds that only grows with
 * persistence), ruinous for guessing (about four guesses an hour per account once at the cap).
 * The global guard is high enough that only a spraying campaign reaches it; when one does, every
 * login waits up to a minute: the price of not letting the campaign continue.
 */
export const defaultThrottlePolicy: ThrottlePolicy = Object.freeze({
  loginAccount: {
    freeFailures: 5,
    baseLockSeconds: 1,
    maxLockSeconds: 15 * 60,
    maxFailuresPerHour: 100,
    failureMemorySeconds: 24 * 60 * 60,
  },
  loginIp: { limit: 100, windowSeconds: 15 * 60 },
  loginGlobal: { limit: 1000, windowSeconds: 60 },
  registerIp: { limit: 50, windowSeconds: 60 * 60 },
  resetRequestIp: { limit: 20, windowSeconds: 60 * 60 },
  resetRequestAccount: { limit: 5, windowSeconds: 60 * 60 },
  // A client refreshes once per access-token lifetime (at least 30 s), plus page loads and tabs.
  refreshSession: { limit: 60, windowSeconds: 60 },
});

/**
 * The lock that follows the `failures`-th consecutive failure, in whole seconds: 0 while failures
 * are free, then base, 2·base, 4·base, … up to the cap.
 */
export function backoffLockSeconds(failures: number, policy: BackoffPolicy): number {
  const beyond = failures - policy.freeFailures;
  if (beyond <= 0) return 0;
  // The exponent is bounded so that 2 ** exponent stays finite for any count.
  const doubled = policy.baseLockSeconds * 2 ** Math.min(beyond - 1, 40);
  return Math.min(Math.ceil(doubled), policy.maxLockSeconds);
}

function assertWholeNumber(name: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new TypeError(`throttle policy: ${name} must be a whole number >= ${min}`);
}

/** Throws TypeError for a policy that cannot work (zero windows, a cap below the base, …). */
export function assertThrottlePolicy(policy: ThrottlePolicy): void {
  const backoff = policy.loginAccount;
  assertWholeNumber('loginAccount.freeFailures', backoff.freeFailures, 0);
  assertWholeNumber('loginAccount.baseLockSeconds', backoff.baseLockSeconds, 1);
  assertWholeNumber('loginAccount.maxLockSeconds', backoff.maxLockSeconds, backoff.baseLockSeconds);
  assertWholeNumber('loginAccount.maxFailuresPerHour', backoff.maxFailuresPerHour, 1);
  assertWholeNumber('loginAccount.failureMemorySeconds', backoff.failureMemorySeconds, 1);
  for (const name of [
    'loginIp',
    'loginGlobal',
    'registerIp',
    'resetRequestIp',
    'resetRequestAccount',
    'refreshSession',
  ] as const) {
    assertWholeNumber(`${name}.limit`, policy[name].limit, 1);
    assertWholeNumber(`${name}.windowSeconds`, policy[name].windowSeconds, 1);
  }
}
