import type {
  Clock,
  DpopAlgorithm,
  DpopNonces,
  ErrorCode,
  FeedSource,
  SigningAlgorithm,
} from '@gatehouse/core';
import type { JWK } from 'jose';
import type { PullFeedSource } from './pull-feed-source.ts';

/** Who made the request. `exp` is in seconds since the epoch, for both strategies. */
export interface Principal {
  sub: string;
  sid: string;
  roles: readonly string[];
  strategy: 'jwt' | 'session';
  exp: number;
  /** RFC 9068 `client_id` of an access token (absent for sessions and older tokens). */
  clientId?: string;
  /** RFC 9449: the thumbprint of the key a DPoP-bound token is bound to; its proof was checked. */
  jkt?: string;
}

/** The outcome of a verification: a principal, or a status and a stable code (for logs and metrics). */
export type VerifyResult =
  | { ok: true; principal: Principal }
  | {
      ok: false;
      status: 401 | 503;
      code: ErrorCode;
      /** The request used the DPoP scheme or a DPoP-bound token: the challenge is `DPoP` (RFC 9449 §7.1). */
      scheme?: 'DPoP';
      /** With `ERR_DPOP_NONCE`: the nonce to send back as `DPoP-Nonce`. */
      dpopNonce?: string;
    };

/** A request as any framework can describe it. Header names are lower-case, as Node gives them. */
export interface VerifyRequestInput {
  headers: Record<string, string | string[] | undefined>;
  /** Already-parsed cookies, when the framework has them; otherwise the `cookie` header is read. */
  cookies?: Record<string, string | undefined>;
  /** The request method (`GET`…): DPoP proofs name it (`htm`). */
  method?: string;
  /** The request target, path and query as in the request line (`/orders?page=2`): proofs name it (`htu`). */
  url?: string;
}

/** DPoP (RFC 9449) on this service's requests. */
export interface VerifierDpopOptions {
  /**
   * The public origin (and path prefix) clients address this service by, e.g.
   * `https://api.example.com`: with the request path it is the URL proofs must name. Taken from
   * configuration, never from the Host header a client controls.
   */
  baseUrl: string;
  /** Accepted proof algorithms; default ES256, ES384, EdDSA, RS256, PS256. */
  algorithms?: readonly DpopAlgorithm[];
  /** How old a proof may be. Default 60 s. */
  maxAgeSeconds?: number;
  /** Bound on remembered proof ids (`jti`), per verifier instance. Default 100 000. */
  replayCacheSize?: number;
  /** Require server nonces (RFC 9449 §9); share the secret with the other instances. */
  nonces?: DpopNonces;
}

export type StalePolicy = 'fail-closed' | 'introspect';

export interface VerifierOptions {
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud` (this service). */
  audience: string;
  /** Pinned algorithms; the token never chooses. ES256, EdDSA or RS256 (a JWKS carries no HS256 secret). */
  algorithms: readonly SigningAlgorithm[];
  /** Static public keys. Exactly one of `jwks` and `jwksUrl`. */
  jwks?: { keys: JWK[] };
  /** Where to fetch the public keys; refetched on an unknown kid, at most once per 30 s. */
  jwksUrl?: string;
  /** The revocation feed to follow (in-process, SSE, Redis), or to pull (`createPullFeedSource`). */
  feed: FeedSource | PullFeedSource;
  /** Longest silence from the feed before the verifier stops trusting what it knows. Default 5000. */
  maxStalenessMs?: number;
  /** What to do while stale: refuse with 503 (default), or ask `introspect` for each token. */
  onStale?: StalePolicy;
  /** Asks the auth server about a token (RFC 7662); null means inactive. Required for `onStale: 'introspect'`. */
  introspect?: (token: string) => Promise<Principal | null>;
  /** Validates a session cookie value against the session store or by introspection; null when invalid. */
  validateSession?: (cookieValue: string) => Promise<Principal | null>;
  /**
   * Bounds the calls to `validateSession` (cache misses) and `introspect` (while stale): at most
   * `maxConcurrent` at once (default 32) and `maxQueued` waiting (default 1000); past that a
   * request is answered 503 without a call. The same credential asked about while a call for it
   * is under way joins that call. So however many requests arrive (random session cookies, every
   * request during a feed outage), the auth server or session store sees a bounded number at once.
   */
  upstream?: { maxConcurrent?: number; maxQueued?: number };
  cache?: {
    /**
     * Bound on cached tokens and sessions together, revoked ones kept as tombstones included.
     * Default 10 000; 0 disables the cache.
     */
    maxEntries?: number;
    /**
     * A cached session is re-validated at least this often, so the host's store still sees activity
     * (idle expiry, `lastSeenAt`) and role changes. Default 60 s, the core's touch interval.
     */
    sessionTtlMs?: number;
  };
  /** Clock-skew leeway on `exp`/`iat`, in seconds. Default 30. */
  leewaySeconds?: number;
  clock?: Clock;
  fetch?: typeof fetch;
  /**
   * Accept DPoP-bound access tokens (`Authorization: DPoP` + a `DPoP` proof). Without it, a bound
   * token is refused: its proof could not be checked, and a bound token is never a bearer token.
   */
  dpop?: VerifierDpopOptions;
  /** Told about feed, JWKS and introspection failures (for logs); never given a token. */
  onError?: (error: unknown) => void;
}

export interface VerifierMetrics {
  /** Requests answered `ok: true`. */
  accepted: number;
  /** Requests answered `ok: false`, by code. */
  rejected: Partial<Record<ErrorCode, number>>;
  cacheHits: number;
  cacheMisses: number;
  cacheSize: number;
  /** Cached entries dropped (or made tombstones) because a revocation event named them. */
  cacheRevocations: number;
  /**
   * Requests refused from the cache: a cached access token that an event revoked is remembered as
   * revoked (a tombstone) until its exp, and refused again without its signature being checked.
   */
  cacheRefusals: number;
  /** Tombstones held; they count against `cache.maxEntries` with `cacheSize`. */
  cacheTombstones: number;
  /** Requests that arrived while the feed was stale. */
  staleRequests: number;
  introspections: number;
  jwksFetches: number;
  feedEvents: number;
  feedReconnects: number;
  revocationSetSize: number;
  /** Milliseconds since the last feed message; Infinity before the first. */
  feedLagMs: number;
  /** True while the feed has been silent past `maxStalenessMs`: requests fail closed or introspect. */
  stale: boolean;
}

export interface Verifier {
  /** Loads the keys and the feed snapshot, then follows the feed (reconnecting with backoff). */
  start(): Promise<void>;
  /**
   * Stops following the feed; resolves once the connection is closed. Requests fail closed (or
   * introspect) once `maxStalenessMs` has passed. `start()` may be called again.
   */
  stop(): Promise<void>;
  /** Verifies the Bearer token or, when there is none, the session cookie. Never reads the query string. */
  verifyRequest(request: VerifyRequestInput): Promise<VerifyResult>;
  /** Verifies a bare access token. A DPoP-bound token is refused here: only `verifyRequest` sees its proof. */
  verifyToken(token: string): Promise<VerifyResult>;
  metrics(): VerifierMetrics;
}
