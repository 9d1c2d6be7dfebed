import {
  type AccessTokenClaims,
  createAccessTokenVerifier,
  createRevocationSet,
  type ErrorCode,
  parseSessionToken,
  systemClock,
  TokenError,
} from '@gatehouse/core';
import { createDpopRequestChecker } from './lib/dpop-request.ts';
import { createFeedFollower, type FeedFollower } from './lib/feed-follower.ts';
import { createPullFollower } from './lib/pull-follower.ts';
import { isPullFeedSource } from './pull-feed-source.ts';
import { createJwksKeys } from './lib/jwks-keys.ts';
import { readCredential } from './lib/read-credential.ts';
import { validateOptions } from './lib/validate-options.ts';
import { createVerificationCache } from './lib/verification-cache.ts';
import type {
  Principal,
  Verifier,
  VerifierMetrics,
  VerifierOptions,
  VerifyRequestInput,
  VerifyResult,
} from './types.ts';

type LocalResult =
  | { ok: true; claims: AccessTokenClaims; kid: string }
  | { ok: false; code: ErrorCode; kidMissed: boolean };

/**
 * Creates a verifier for a service behind Gatehouse. It checks access tokens locally (pinned
 * algorithms, JWKS keys) and session cookies through `validateSession`, follows the revocation
 * feed so that a revoked session, user, token or key is refused within the feed's delay, and
 * remembers what it verified, so repeat requests cost a map lookup. When the feed has been silent
 * for longer than `maxStalenessMs`, it stops trusting its memory: it answers 503, or introspects.
 * Options are checked here and throw `TypeError`; nothing is set up per request.
 *
 * @example
 * import { createSseFeedSource } from '@gatehouse/verify';
 * import { createVerifier } from '@gatehouse/verify';
 *
 * const verifier = createVerifier({
 *   issuer: 'https://auth.example.com',
 *   audience: 'orders-api',
 *   algorithms: ['ES256'],
 *   jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
 *   feed: createSseFeedSource({ baseUrl: 'https://auth.example.com' }),
 *   maxStalenessMs: 5000,
 * });
 * await verifier.start();
 *
 * const result = await verifier.verifyRequest({ headers: request.headers });
 * if (!result.ok) return reply.code(result.status).send({ error: 'invalid_token' });
 * console.log(result.principal.sub, result.principal.roles);
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const config = validateOptions(options);
  const clock = options.clock ?? systemClock;
  const onError = options.onError ?? (() => {});
  const { introspect, validateSession } = options;
  const keys = createJwksKeys({
    jwks: options.jwks,
    jwksUrl: options.jwksUrl,
    algorithms: config.algorithms,
    clock,
    fetch: config.fetch,
    onError,
  });
  // Remembered past `until` for the leeway plus 30 s of skew, or the leeway would re-admit a revoked token.
  const revoked = createRevocationSet({ clock, retainAfterUntilMs: config.leewaySeconds * 1000 + 30_000 });
  const cache = createVerificationCache(config.maxEntries);
  const dpop = createDpopRequestChecker(options.dpop, clock);
  const followerOptions = { revoked, clock, maxStalenessMs: config.maxStalenessMs, onError };
  // A pull source (short-lived runtimes) holds no connection: it is read before answering, when stale.
  const follower: FeedFollower & { refresh?: () => Promise<void> | undefined } = isPullFeedSource(
    options.feed,
  )
    ? createPullFollower({ feed: options.feed, ...followerOptions })
    : createFeedFollower({ feed: options.feed, ...followerOptions });

  // The core verifier is synchronous, so this records the kid of the token being verified right now.
  let usedKid = '';
  let kidMissed = false;
  const tokens = createAccessTokenVerifier({
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    leewaySeconds: config.leewaySeconds,
    clock,
    getKey(kid) {
      usedKid = kid;
      const key = keys.get(kid);
      kidMissed = key === undefined;
      return key;
    },
  });

  // Bumped by every applied event: a session validated across an event is answered but not remembered.
  let revocationVersion = 0;
  const counts = {
    accepted: 0,
    cacheHits: 0,
    cacheMisses: 0,
    cacheRevocations: 0,
    staleRequests: 0,
    introspections: 0,
  };
  const rejected: Partial<Record<ErrorCode, number>> = {};
  revoked.onApply((event) => {
    revocationVersion++;
    counts.cacheRevocations += cache.drop(event);
  });

  let started: Promise<void> | undefined;
  const isStale = (now: number) => now - follower.lastMessageAt > config.maxStalenessMs;

  function accept(principal: Principal): VerifyResult {
    counts.accepted++;
    return { ok: true, principal };
  }

  /** A token's verdict before its binding is checked: counted by verifyBinding, not here. */
  function allow(principal: Principal): VerifyResult {
    return { ok: true, principal };
  }

  function countAccepted(result: VerifyResult): VerifyResult {
    counts.accepted++;
    return result;
  }

  function reject(status: 401 | 503, code: ErrorCode, dpopDetails?: { nonce?: string }): VerifyResult {
    rejected[code] = (rejected[code] ?? 0) + 1;
    if (!dpopDetails) return { ok: false, status, code };
    return {
      ok: false,
      status,
      code,
      scheme: 'DPoP',
      ...(dpopDetails.nonce === undefined ? {} : { dpopNonce: dpopDetails.nonce }),
    };
  }

  /**
   * RFC 9449 §7: a bound token needs the DPoP scheme and a proof by its key; an unbound token under
   * the DPoP scheme is refused too. The proof is checked on every request, cached token or not.
   */
  async function verifyBinding(
    request: VerifyRequestInput,
    token: string,
    scheme: 'Bearer' | 'DPoP',
  ): Promise<VerifyResult> {
    const result = await verifyJwt(token);
    if (!result.ok) {
      if (scheme === 'Bearer' || result.status === 503) return result;
      // The same refusal, under the scheme the client used.
      return { ...result, scheme: 'DPoP' };
    }
    const { jkt } = result.principal;
    if (scheme === 'Bearer') {
      if (jkt === undefined) return countAccepted(result);
      return reject(401, 'ERR_TOKEN_BINDING', {});
    }
    if (jkt === undefined || !dpop) return reject(401, 'ERR_TOKEN_BINDING', {});
    const outcome = dpop.check(request, token, jkt);
    if (outcome.ok) return countAccepted(result);
    return reject(401, outcome.code, outcome.nonce === undefined ? {} : { nonce: outcome.nonce });
  }

  function verifyLocally(token: string): LocalResult {
    usedKid = '';
    kidMissed = false;
    try {
      return { ok: true, claims: tokens.verify(token), kid: usedKid };
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      return { ok: false, code: error.code, kidMissed };
    }
  }

  /**
   * verifyLocally, after the keys' `prepare` step where there is one: the WebCrypto build checks the
   * signature there, asynchronously (src/web/README.md). On Node there is none: the value is returned
   * as it is (the caller's await costs one microtask, on first sight only).
   */
  function checkLocally(token: string): LocalResult | Promise<LocalResult> {
    const prepared = keys.prepare?.(token);
    return prepared ? prepared.then(() => verifyLocally(token)) : verifyLocally(token);
  }

  function isTokenRevoked({ claims, kid }: { claims: AccessTokenClaims; kid: string }): boolean {
    return revoked.isRevoked({ sid: claims.sid, sub: claims.sub, jti: claims.jti, kid, iat: claims.iat });
  }

  async function verifyJwt(token: string, afterRefetch = false): Promise<VerifyResult> {
    const now = clock.now();
    if (isStale(now)) return verifyJwtWhileStale(token);
    const cached = cache.get(token, 'jwt', now);
    if (cached) {
      counts.cacheHits++;
      return allow(cached);
    }
    counts.cacheMisses++;
    const local = await checkLocally(token);
    if (!local.ok) {
      // Rate-limited inside: a flood of made-up kids costs at most one fetch per window.
      if (local.kidMissed && !afterRefetch && (await keys.refreshOnMiss())) return verifyJwt(token, true);
      return reject(401, local.code);
    }
    if (isTokenRevoked(local)) return reject(401, 'ERR_TOKEN_REVOKED');
    const { claims, kid } = local;
    const principal = freezePrincipal({
      sub: claims.sub,
      sid: claims.sid,
      roles: claims.roles,
      strategy: 'jwt',
      exp: claims.exp,
      ...(claims.client_id === undefined ? {} : { clientId: claims.client_id }),
      ...(claims.cnf === undefined ? {} : { jkt: claims.cnf.jkt }),
    });
    // Cached until exp, not exp + leeway: past exp the core verifier re-judges each request.
    if (claims.exp * 1000 > now)
      cache.set(token, principal, claims.exp * 1000, {
        sid: claims.sid,
        sub: claims.sub,
        jti: claims.jti,
        kid,
      });
    return allow(principal);
  }

  async function verifyJwtWhileStale(token: string): Promise<VerifyResult> {
    counts.staleRequests++;
    if (config.onStale === 'fail-closed') return reject(503, 'ERR_FEED_STALE');
    // Verified locally first, so garbage never costs the auth server a lookup.
    let local = await checkLocally(token);
    if (!local.ok && local.kidMissed && (await keys.refreshOnMiss())) local = await checkLocally(token);
    if (!local.ok) return reject(401, local.code);
    if (isTokenRevoked(local)) return reject(401, 'ERR_TOKEN_REVOKED');
    counts.introspections++;
    let answer: Principal | null;
    try {
      answer = await introspect!(token);
    } catch (error) {
      onError(error);
      return reject(503, 'ERR_FEED_STALE');
    }
    if (!answer) return reject(401, 'ERR_TOKEN_REVOKED');
    if (!isPrincipalShaped(answer)) throw new TypeError('introspect must resolve to a Principal or null');
    // The binding comes from the verified token itself, never from the introspection answer.
    const { client_id: clientId, cnf } = local.claims;
    return allow(
      freezePrincipal({
        ...answer,
        strategy: 'jwt',
        ...(clientId === undefined ? {} : { clientId }),
        ...(cnf === undefined ? {} : { jkt: cnf.jkt }),
      }),
    );
  }

  async function verifySession(value: string): Promise<VerifyResult> {
    if (!validateSession) return reject(401, 'ERR_UNAUTHENTICATED');
    // The shape check keeps junk cookies away from the store (and out of the cache).
    if (!parseSessionToken(value)) return reject(401, 'ERR_SESSION_INVALID');
    const now = clock.now();
    const stale = isStale(now);
    if (stale) {
      counts.staleRequests++;
      // 'introspect' mode: validateSession is itself an authoritative lookup, so it is asked, uncached.
      if (config.onStale === 'fail-closed') return reject(503, 'ERR_FEED_STALE');
    } else {
      const cached = cache.get(value, 'session', now);
      if (cached) {
        counts.cacheHits++;
        return accept(cached);
      }
      counts.cacheMisses++;
    }
    const versionBefore = revocationVersion;
    let answer: Principal | null;
    try {
      answer = await validateSession(value);
    } catch (error) {
      // The store or auth server is unreachable: that is "try again", not "who are you" nor a crash.
      onError(error);
      return reject(503, 'ERR_UPSTREAM_UNAVAILABLE');
    }
    if (!answer) return reject(401, 'ERR_SESSION_INVALID');
    if (!isPrincipalShaped(answer))
      throw new TypeError('validateSession must resolve to a Principal or null');
    // A store replica that lags the feed must not resurrect a session the feed says is gone.
    if (revoked.isRevoked({ sid: answer.sid })) return reject(401, 'ERR_SESSION_INVALID');
    const principal = freezePrincipal({ ...answer, strategy: 'session' });
    const later = clock.now();
    if (!stale && !isStale(later) && versionBefore === revocationVersion) {
      const expiresAtMs = Math.min(principal.exp * 1000, later + config.sessionTtlMs);
      if (expiresAtMs > later)
        cache.set(value, principal, expiresAtMs, { sid: principal.sid, sub: principal.sub });
    }
    return accept(principal);
  }

  async function startOnce(): Promise<void> {
    // Both settle before judging, so a failure never leaves the other half running unseen.
    const outcomes = await Promise.allSettled([keys.load(), follower.start()]);
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (!failure) return;
    // Half a start (keys but no feed, or the reverse) is no start: undo it so start() can be retried.
    await follower.stop();
    started = undefined;
    throw failure.reason;
  }

  return {
    start() {
      started ??= startOnce();
      return started;
    },

    async stop() {
      started = undefined;
      await follower.stop();
    },

    async verifyRequest(request) {
      const pulling = follower.refresh?.();
      if (pulling) await pulling;
      const credential = readCredential(request);
      switch (credential.kind) {
        case 'jwt':
          return verifyBinding(request, credential.value, 'Bearer');
        case 'dpop':
          return verifyBinding(request, credential.value, 'DPoP');
        case 'session':
          return verifySession(credential.value);
        case 'invalid':
          return reject(401, credential.code, credential.code === 'ERR_TOKEN_BINDING' ? {} : undefined);
        case 'none':
          return reject(401, 'ERR_UNAUTHENTICATED');
      }
    },

    async verifyToken(token) {
      if (typeof token !== 'string' || token === '') return reject(401, 'ERR_TOKEN_MALFORMED');
      const pulling = follower.refresh?.();
      if (pulling) await pulling;
      return verifyBinding({ headers: {} }, token, 'Bearer');
    },

    metrics(): VerifierMetrics {
      return {
        ...counts,
        rejected: { ...rejected },
        cacheSize: cache.size,
        jwksFetches: keys.fetches,
        feedEvents: follower.events,
        feedReconnects: follower.reconnects,
        revocationSetSize: revoked.size,
        feedLagMs: clock.now() - follower.lastMessageAt,
        stale: isStale(clock.now()),
      };
    },
  };
}

/** Cached principals are shared between requests, so no handler may change one. */
function freezePrincipal(principal: Principal): Principal {
  return Object.freeze({
    sub: principal.sub,
    sid: principal.sid,
    roles: Object.freeze([...principal.roles]),
    strategy: principal.strategy,
    exp: principal.exp,
    ...(principal.clientId === undefined ? {} : { clientId: principal.clientId }),
    ...(principal.jkt === undefined ? {} : { jkt: principal.jkt }),
  });
}

function isPrincipalShaped(value: Principal): boolean {
  return (
    typeof value === 'object' &&
    typeof value.sub === 'string' &&
    typeof value.sid === 'string' &&
    Array.isArray(value.roles) &&
    value.roles.every((role) => typeof role === 'string') &&
    Number.isFinite(value.exp)
  );
}
