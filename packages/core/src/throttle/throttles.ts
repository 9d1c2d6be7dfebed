import { type Throttle, unlimitedThrottle } from './throttle.ts';

/**
 * Every throttle the auth flows consult (see `ThrottlePolicy` for what each one counts). Keys are
 * opaque to the implementation: a SHA-256 of the normalised email, an address (an IPv6 /64), or
 * the one key of the global counter.
 */
export interface Throttles {
  /** Per account: exponential backoff on failed logins, the same for unknown and known emails. */
  loginAccount: Throttle;
  /** Per client address: login attempts (a successful one is refunded). */
  loginIp: Throttle;
  /** Failed logins across all accounts (password spraying): one key. */
  loginGlobal: Throttle;
  /** Per client address: registrations. */
  registerIp: Throttle;
  /** Per client address: password-reset requests. */
  resetRequestIp: Throttle;
  /** Per account: password-reset requests (unknown emails counted alike). */
  resetRequestAccount: Throttle;
  /** Per session: refresh-token rotations (keyed on the session id). */
  refreshSession: Throttle;
}

export const unlimitedThrottles: Throttles = Object.freeze({
  loginAccount: unlimitedThrottle,
  loginIp: unlimitedThrottle,
  loginGlobal: unlimitedThrottle,
  registerIp: unlimitedThrottle,
  resetRequestIp: unlimitedThrottle,
  resetRequestAccount: unlimitedThrottle,
  refreshSession: unlimitedThrottle,
});
