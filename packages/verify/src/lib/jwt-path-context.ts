import type { Clock } from '@gatehouse/core';
import type { VerifierOptions } from '../types.ts';
import type { createDpopRequestChecker } from './dpop-request.ts';
import type { JwksKeys } from './jwks-keys.ts';
import type { LocalTokenCheck } from './local-token-check.ts';
import type { UpstreamLimiter } from './upstream-limiter.ts';
import type { ValidatedOptions } from './validate-options.ts';
import type { VerificationCache } from './verification-cache.ts';
import type { VerifierCounts } from './verifier-counts.ts';

/** What the access-token path (jwt-path.ts) and its stale branch (stale-jwt.ts) share: a leaf, so neither imports the other for it. */
export interface JwtPathContext {
  config: ValidatedOptions;
  clock: Clock;
  keys: JwksKeys;
  local: LocalTokenCheck;
  cache: VerificationCache;
  verdicts: VerifierCounts;
  dpop: ReturnType<typeof createDpopRequestChecker>;
  introspect: VerifierOptions['introspect'];
  /** Bounds and joins the introspections (shared with the session path's validations). */
  upstream: UpstreamLimiter;
  onError: (error: unknown) => void;
  isStale(now: number): boolean;
}
