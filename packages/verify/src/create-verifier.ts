import { createRevocationSet, systemClock } from '@gatehouse/core';
import { createDpopRequestChecker } from './lib/dpop-request.ts';
import { createFeedFollower, type FeedFollower } from './lib/feed-follower.ts';
import { createJwksKeys } from './lib/jwks-keys.ts';
import { createJwtPath } from './lib/jwt-path.ts';
import { createLifecycle } from './lib/verifier-lifecycle.ts';
import { createLocalTokenCheck } from './lib/local-token-check.ts';
import { createPullFollower } from './lib/pull-follower.ts';
import { type Credential, readCredential } from './lib/read-credential.ts';
import { createSessionPath } from './lib/session-path.ts';
import { createUpstreamLimiter } from './lib/upstream-limiter.ts';
import { validateOptions } from './lib/validate-options.ts';
import { createVerificationCache } from './lib/verification-cache.ts';
import { VERIFY_NOW } from './lib/verify-now.ts';
import { createVerifierCounts, type Verdict, type VerifierCounts } from './lib/verifier-counts.ts';
import { isPullFeedSource } from './pull-feed-source.ts';
import type { Verifier, VerifierMetrics, VerifierOptions, VerifyRequestInput } from './types.ts';

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
  const verdicts = createVerifierCounts();
  const { counts, reject } = verdicts;
  // Bumped by every applied event (and a lost feed): a session validated across one is answered
  // but not remembered.
  let revocationVersion = 0;
  const follower = followFeed(options.feed, {
    revoked,
    clock,
    maxStalenessMs: config.maxStalenessMs,
    onError,
    // The feed lost continuity: a session it may have ended without an event is asked about again.
    onCursorExpired: () => {
      revocationVersion++;
      cache.dropSessions();
    },
  });

  revoked.onApply((event) => {
    revocationVersion++;
    counts.cacheRevocations += cache.drop(event, clock.now());
    if (event.type === 'key') keys.keyRevoked(event.kid);
  });
  const isStale = (now: number) => now - follower.lastMessageAt > config.maxStalenessMs;
  const upstream = createUpstreamLimiter(config.upstream);
  const shared = { config, clock, cache, verdicts, onError, isStale, upstream };
  const jwt = createJwtPath({
    ...shared,
    keys,
    local: createLocalTokenCheck(config, clock, keys, revoked),
    dpop: createDpopRequestChecker(options.dpop, clock),
    introspect: options.introspect,
  });
  const session = createSessionPath({
    ...shared,
    revoked,
    validateSession: options.validateSession,
    revocationVersion: () => revocationVersion,
  });

  /** verifyRequest without its promise when the answer is known now (a cache hit): for the adapters. */
  const paths = { jwt, session, reject };
  function verifyNow(request: VerifyRequestInput): Verdict {
    const pulling = follower.refresh?.();
    return pulling ? pulling.then(() => dispatch(paths, request)) : dispatch(paths, request);
  }

  const lifecycle = createLifecycle(keys, follower);
  const api: Verifier & { [VERIFY_NOW]: typeof verifyNow } = {
    start: lifecycle.start,
    stop: lifecycle.stop,
    // One promise, settled at once when the answer is known now; a pending verdict is handed on
    // as it is (an async function would add a frame and its own promise around it).
    verifyRequest(request) {
      try {
        return Promise.resolve(verifyNow(request));
      } catch (error) {
        return Promise.reject(error);
      }
    },

    async verifyToken(token) {
      if (typeof token !== 'string' || token === '') return reject(401, 'ERR_TOKEN_MALFORMED');
      const pulling = follower.refresh?.();
      if (pulling) await pulling;
      return jwt.verifyBinding({ headers: {} }, token, 'Bearer');
    },

    metrics: () => readMetrics({ verdicts, cache, keys, follower, revoked, clock, isStale }),

    [VERIFY_NOW]: verifyNow,
  };
  return api;
}

type Paths = {
  jwt: ReturnType<typeof createJwtPath>;
  session: ReturnType<typeof createSessionPath>;
  reject: VerifierCounts['reject'];
};

/** The one credential of a request, to the path that judges it. */
function dispatch(paths: Paths, request: VerifyRequestInput): Verdict {
  // The common case first: "Bearer " and a token. Its syntax was checked when it was remembered,
  // or is checked by the verification itself; the header's own check runs only for a refusal.
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) {
    const early = paths.jwt.verifyBearer(request, authorization);
    if (early) return early;
  }
  // Without an Authorization header or parsed cookies, a session value is read from the one Cookie
  // header: that header is its source, which the cache may match instead of the value (the same
  // text always reads as the same value).
  const cookie = request.headers.cookie;
  const source =
    authorization === undefined && !request.cookies && typeof cookie === 'string' ? cookie : undefined;
  if (source !== undefined) {
    const early = paths.session.verifyKnownCookieHeader(source);
    if (early) return early;
  }
  return judge(paths, request, readCredential(request), source);
}

function judge(paths: Paths, request: VerifyRequestInput, credential: Credential, source?: string): Verdict {
  switch (credential.kind) {
    case 'jwt':
      return paths.jwt.verifyBinding(request, credential.value, 'Bearer');
    case 'dpop':
      return paths.jwt.verifyBinding(request, credential.value, 'DPoP');
    case 'session':
      return paths.session.verifySession(credential.value, source);
    case 'invalid':
      return paths.reject(401, credential.code, credential.code === 'ERR_TOKEN_BINDING' ? {} : undefined);
    case 'none':
      return paths.reject(401, 'ERR_UNAUTHENTICATED');
  }
}

/** A pull source (short-lived runtimes) holds no connection: it is read before answering, when stale. */
function followFeed(
  feed: VerifierOptions['feed'],
  options: Omit<Parameters<typeof createFeedFollower>[0], 'feed'>,
): FeedFollower & { refresh?: () => Promise<void> | undefined } {
  return isPullFeedSource(feed)
    ? createPullFollower({ feed, ...options })
    : createFeedFollower({ feed, ...options });
}

function readMetrics(parts: {
  verdicts: VerifierCounts;
  cache: { size: number; tombstones: number };
  keys: { fetches: number };
  follower: FeedFollower;
  revoked: { size: number };
  clock: { now(): number };
  isStale(now: number): boolean;
}): VerifierMetrics {
  const { verdicts, follower, clock } = parts;
  return {
    ...verdicts.counts,
    rejected: { ...verdicts.rejected },
    cacheSize: parts.cache.size,
    cacheTombstones: parts.cache.tombstones,
    jwksFetches: parts.keys.fetches,
    feedEvents: follower.events,
    feedReconnects: follower.reconnects,
    revocationSetSize: parts.revoked.size,
    feedLagMs: clock.now() - follower.lastMessageAt,
    stale: parts.isStale(clock.now()),
  };
}
