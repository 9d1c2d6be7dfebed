import type { RefreshTokenStorage } from './storage.ts';

export interface User {
  id: string;
  email: string;
  roles: string[];
}

export type Strategy = 'hybrid' | 'token';

/**
 * Why a tab ended signed out: `signed_out` (signOut or signOutEverywhere, in this tab or another),
 * `session_ended` (the refresh token was refused: expired, revoked elsewhere, or reused).
 */
export type SignedOutReason = 'signed_out' | 'session_ended';

export interface SignedOutEvent {
  reason: SignedOutReason;
  /** True when another tab of this origin found out first and told this one. */
  fromOtherTab: boolean;
}

/** What every tab of the origin shares (over BroadcastChannel, in memory, never in storage). */
export interface SharedState {
  accessToken: string;
  /** Local clock, ms: when the token was obtained. */
  issuedAt: number;
  /** Local clock, ms: `issuedAt + expiresIn` (the server's clock is never compared with ours). */
  expiresAt: number;
  user: User;
  /** Hybrid: the CSRF token that goes with the refresh cookie. */
  csrfToken: string | null;
}

/**
 * Hook for proof-of-possession (DPoP, RFC 9449). Not implemented by this package yet: the server
 * side is being built separately. When given, `proof` is called for every request that carries
 * the access token and for token-strategy refreshes, and its result is sent as the `DPoP` header;
 * the Authorization scheme becomes `scheme`.
 */
export interface ProofOfPossession {
  /** The Authorization scheme that goes with the proof, e.g. `DPoP`. */
  scheme: string;
  proof(request: { method: string; url: string; accessToken?: string }): Promise<string>;
}

export interface GatehouseClientOptions {
  /**
   * Where the auth server's `/auth/*` endpoints are: an origin, optionally with a path prefix
   * (`https://app.example.com` or `https://app.example.com/gatehouse`). Default: the page's
   * origin. For `hybrid` it must be the page's own origin (the refresh cookie is first-party and
   * the server refuses cross-origin refreshes): put the auth server there, or proxy `/auth/` to it.
   */
  authUrl?: string;
  /**
   * Origins (`https://api.example.com`) whose requests through `client.fetch` get the access
   * token. Compared exactly; the auth server's origin is always included. No other origin ever
   * receives it.
   */
  apiOrigins?: readonly string[];
  /** Default `hybrid`. */
  strategy?: Strategy;
  /** `token` strategy: where the refresh token is kept (required there, refused for hybrid). */
  refreshTokenStorage?: RefreshTokenStorage;
  /** Refresh this long before the access token expires; at most half its lifetime. Default 60. */
  refreshAheadSeconds?: number;
  /** Name of the BroadcastChannel and lock shared by the tabs. Default `gatehouse`. */
  channelName?: string;
  /** Proof-of-possession hook (DPoP): see `ProofOfPossession`. */
  proofOfPossession?: ProofOfPossession;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Defaults to `navigator.locks`; `null` forces the fallback without Web Locks. */
  locks?: LockManager | null;
}

export interface GatehouseClient {
  /**
   * Settles once the client knows whether the browser is signed in: from another open tab, or by
   * one refresh with the cookie. Resolves the user, or null. Rejects only when the server could
   * not be reached (the client then starts signed out).
   */
  readonly ready: Promise<User | null>;
  /** The signed-in user, or null. */
  user(): User | null;
  signIn(email: string, password: string): Promise<User>;
  /** Ends this session on the server (`POST /auth/logout`) and signs every tab out. */
  signOut(): Promise<void>;
  /** Ends every session of the user (`POST /auth/logout-all`) and signs every tab out. */
  signOutEverywhere(): Promise<void>;
  /** Changes the password: the server replaces the session; the client takes the new credentials. */
  changePassword(currentPassword: string, newPassword: string): Promise<void>;
  /** A valid access token (refreshed first when due), or null when signed out. */
  getAccessToken(): Promise<string | null>;
  /**
   * `fetch` that adds `Authorization` for the listed origins only; refreshes when the token is
   * due, and once after a 401 that blames the token, then retries the request once.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  on(type: 'signedin', listener: (user: User) => void): () => void;
  on(type: 'signedout', listener: (event: SignedOutEvent) => void): () => void;
  /** Stops timers and leaves the tab channel. */
  close(): void;
}
