// A leaf module (no node:*): the verifier SDK's WebCrypto build imports it.

/**
 * The session cookie of the `session` strategy. `__Host-` makes browsers require Secure, Path=/
 * and no Domain, so neither a subdomain nor a plain-http page can plant or overwrite it.
 */
export const SESSION_COOKIE = '__Host-gh_session';

/**
 * The refresh cookie of the `hybrid` strategy. `__Secure-` makes browsers refuse it unless it is
 * Secure; it cannot be `__Host-` because its Path is `/auth/refresh`, not `/`.
 */
export const REFRESH_COOKIE = '__Secure-gh_refresh';

/** The schemes an access token is presented under (RFC 6750 §2.1, RFC 9449 §7.1). */
export type TokenScheme = 'Bearer' | 'DPoP';

/**
 * One `Authorization` header value, read:
 * - `Bearer`/`DPoP` with `token`: well-formed; with `token: null`: that scheme, malformed
 *   (`Bearer` alone, two tokens, a tab instead of a space…);
 * - `other`: another scheme (`Basic …`), or an empty value: not a credential of ours;
 * - `invalid`: no scheme at all (a bare token, say).
 */
export type ParsedAuthorization =
  | { scheme: TokenScheme; token: string | null }
  | { scheme: 'other' }
  | { scheme: 'invalid' };

// RFC 6750 §2.1: the scheme is case-insensitive, then one b64token; RFC 9449 §7.1: DPoP takes the
// same token68. Disjoint character classes keep the match linear.
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const DPOP = /^dpop +([A-Za-z0-9\-._~+/]+=*) *$/i;
// Any whitespace (or nothing) after the scheme name still makes it an attempt at that scheme.
const BEARER_SCHEME = /^bearer(?:\s|$)/i;
const DPOP_SCHEME = /^dpop(?:\s|$)/i;
// RFC 9110 §11.1: an auth-scheme is a token, then a space.
const OTHER_SCHEME = /^[A-Za-z][A-Za-z0-9!#$%&'*+\-.^_`|~]* /;

/**
 * Reads one `Authorization` value. What to do with two headers, or with none, is the caller's
 * rule (both the server and the SDK refuse two: a proxy may have checked the other one).
 *
 * @example
 * parseAuthorization('Bearer eyJ…'); // { scheme: 'Bearer', token: 'eyJ…' }
 * parseAuthorization('Basic dXNlcg=='); // { scheme: 'other' }
 */
export function parseAuthorization(value: string): ParsedAuthorization {
  if (BEARER_SCHEME.test(value)) return { scheme: 'Bearer', token: BEARER.exec(value)?.[1] ?? null };
  if (DPOP_SCHEME.test(value)) return { scheme: 'DPoP', token: DPOP.exec(value)?.[1] ?? null };
  if (OTHER_SCHEME.test(value) || value.trim() === '') return { scheme: 'other' };
  return { scheme: 'invalid' };
}
