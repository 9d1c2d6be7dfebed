/** The claims of a Gatehouse access token (RFC 9068 profile), as signed and as returned by a verifier. */
export interface AccessTokenClaims {
  iss: string;
  aud: string | string[];
  /** User id. */
  sub: string;
  /** Session id: the root every token of a login hangs from; revoking it revokes them all. */
  sid: string;
  jti: string;
  /** Seconds since the epoch. */
  iat: number;
  /** Seconds since the epoch; never after the session's absolute expiry. */
  exp: number;
  roles: string[];
  /** RFC 9068 §2.2: the client the token was issued to. Absent only on tokens of servers before 0.2. */
  client_id?: string;
  /** RFC 9449 §6.1: the thumbprint of the key a DPoP-bound token is bound to. */
  cnf?: { jkt: string };
}

/** RFC 9068 §2.1: the `typ` that tells an access token from an ID token or any other JWT. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 600;
/** docs/design.md §3: 15 minutes at most, which bounds how long retired keys and revocations are kept. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 900;
export const DEFAULT_LEEWAY_SECONDS = 30;
/** Bound on `sub`, `sid` and `jti`, so a claim can never balloon a log line or a cache key. */
export const MAX_CLAIM_LENGTH = 256;
