import { type Clock, parseSessionToken, type RevocationSet } from '@gatehouse/core';
import type { Principal, VerifierOptions, VerifyResult } from '../types.ts';
import { freezePrincipal, isPrincipalShaped } from './principal.ts';
import type { UpstreamLimiter } from './upstream-limiter.ts';
import type { ValidatedOptions } from './validate-options.ts';
import type { VerificationCache } from './verification-cache.ts';
import type { Verdict, VerifierCounts } from './verifier-counts.ts';

export interface SessionPathContext {
  config: ValidatedOptions;
  clock: Clock;
  cache: VerificationCache;
  revoked: RevocationSet;
  verdicts: VerifierCounts;
  validateSession: VerifierOptions['validateSession'];
  /** Bounds and joins the validations (shared with the stale access-token path's introspections). */
  upstream: UpstreamLimiter;
  onError: (error: unknown) => void;
  isStale(now: number): boolean;
  /** Bumped by every applied revocation event. */
  revocationVersion(): number;
}

/** The session-cookie path: a cache hit is answered synchronously; anything else asks `validateSession`. */
export function createSessionPath(ctx: SessionPathContext) {
  const { config, clock, cache, revoked, verdicts } = ctx;
  const { counts, accept, reject } = verdicts;

  async function validate(
    validateSession: NonNullable<VerifierOptions['validateSession']>,
    value: string,
    stale: boolean,
  ): Promise<VerifyResult> {
    const versionBefore = ctx.revocationVersion();
    const call = ctx.upstream.run(`session:${value}`, () => validateSession(value));
    if (call === null) return reject(503, 'ERR_UPSTREAM_UNAVAILABLE');
    let answer: Principal | null;
    try {
      answer = await call.answer;
    } catch (error) {
      // The store or auth server is unreachable: that is "try again", not "who are you" nor a crash.
      ctx.onError(error);
      return reject(503, 'ERR_UPSTREAM_UNAVAILABLE');
    }
    if (!answer) return reject(401, 'ERR_SESSION_INVALID');
    if (!isPrincipalShaped(answer))
      throw new TypeError('validateSession must resolve to a Principal or null');
    // A store replica that lags the feed must not resurrect a session the feed says is gone.
    if (revoked.isRevoked({ sid: answer.sid })) return reject(401, 'ERR_SESSION_INVALID');
    const principal = freezePrincipal({ ...answer, strategy: 'session' });
    const later = clock.now();
    // A session validated across an event is answered but not remembered; so is one whose call
    // began before this request (joined): an event may have come between the two.
    if (!call.joined && !stale && !ctx.isStale(later) && versionBefore === ctx.revocationVersion()) {
      const expiresAtMs = Math.min(principal.exp * 1000, later + config.sessionTtlMs);
      if (expiresAtMs > later)
        cache.set(value, principal, expiresAtMs, { sid: principal.sid, sub: principal.sub });
    }
    return accept(principal);
  }

  return {
    /**
     * A Cookie header that a cached session was last read from, answered from the cache without
     * reading the header again (the same text reads to the same value); undefined for anything
     * else, which the caller reads and judges through `verifySession`.
     */
    verifyKnownCookieHeader(header: string): Verdict | undefined {
      if (!ctx.validateSession) return undefined;
      const now = clock.now();
      if (ctx.isStale(now)) return undefined;
      const cached = cache.getKnownSource(header, now);
      if (!cached) return undefined;
      counts.cacheHits++;
      return accept(cached);
    },

    /** `source`: the Cookie header `value` was read from, when it was (see VerificationCache.get). */
    verifySession(value: string, source?: string): Verdict {
      const { validateSession } = ctx;
      if (!validateSession) return reject(401, 'ERR_UNAUTHENTICATED');
      const now = clock.now();
      const stale = ctx.isStale(now);
      // Looked up before the shape check: only a value that passed it is ever cached.
      const cached = stale ? undefined : cache.get(value, 'session', now, source);
      if (cached) {
        counts.cacheHits++;
        return accept(cached);
      }
      // The shape check keeps junk cookies away from the store (and out of the cache).
      if (!parseSessionToken(value)) return reject(401, 'ERR_SESSION_INVALID');
      if (stale) {
        counts.staleRequests++;
        // 'introspect' mode: validateSession is itself an authoritative lookup, so it is asked, uncached.
        if (config.onStale === 'fail-closed') return reject(503, 'ERR_FEED_STALE');
      } else {
        counts.cacheMisses++;
      }
      return validate(validateSession, value, stale);
    },
  };
}
