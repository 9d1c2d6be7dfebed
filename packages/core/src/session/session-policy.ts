export interface SessionPolicy {
  /** Session dies after this long without use. Default 30 min. */
  idleTtlMs: number;
  /** Session dies this long after login, used or not. Default 12 h. */
  absoluteTtlMs: number;
  /** Activity is written at most this often per session, to keep reads cheap. Default 60 s. */
  touchIntervalMs: number;
  /** Longest access-token lifetime; bounds how long a revocation event must be remembered. */
  accessTokenTtlMs: number;
  /** A rotated refresh token replayed within this window gets the same successor (tabs racing). 0 disables. */
  refreshGraceMs: number;
  /**
   * Live sessions one user may hold at once. A login past it ends the user's least recently used
   * sessions (revocations published, audited `session.revoked` with reason `session_limit`), so
   * an account logging in in a loop cannot grow its sessions, its session list or a later
   * logout-everywhere without bound. Default 100.
   */
  maxSessionsPerUser: number;
}

export const defaultSessionPolicy: SessionPolicy = {
  idleTtlMs: 30 * 60_000,
  absoluteTtlMs: 12 * 60 * 60_000,
  touchIntervalMs: 60_000,
  accessTokenTtlMs: 10 * 60_000,
  refreshGraceMs: 10_000,
  maxSessionsPerUser: 100,
};

/** The defaults with `overrides` applied, checked; throws TypeError for impossible lifetimes. */
export function resolveSessionPolicy(overrides: Partial<SessionPolicy> = {}): SessionPolicy {
  const policy: SessionPolicy = { ...defaultSessionPolicy, ...overrides };
  if (policy.idleTtlMs <= 0 || policy.absoluteTtlMs < policy.idleTtlMs) {
    throw new TypeError('session lifetimes: need 0 < idleTtlMs <= absoluteTtlMs');
  }
  if (policy.refreshGraceMs < 0 || policy.refreshGraceMs > 60_000) {
    throw new TypeError('refreshGraceMs must be between 0 and 60000');
  }
  if (!Number.isSafeInteger(policy.maxSessionsPerUser) || policy.maxSessionsPerUser < 1) {
    throw new TypeError('maxSessionsPerUser must be a whole number of at least 1');
  }
  return policy;
}
