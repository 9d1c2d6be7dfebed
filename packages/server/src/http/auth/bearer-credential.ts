import { type AccessTokens, TokenError } from '@gatehouse/core';
import { authorizationHeaders } from './authorization-headers.ts';
import type { CredentialReader } from './credential.ts';

// RFC 6750 §2.1: the scheme is case-insensitive, then one b64token. Disjoint character classes
// keep the match linear.
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
// Any whitespace after the scheme still makes it a (malformed) Bearer attempt: invalid_token, not "no credentials".
const BEARER_SCHEME = /^bearer(?:\s|$)/i;

/**
 * `Authorization: Bearer <access token>`. Not ambient: a browser never attaches it on its own, so
 * it needs no CSRF defence. The URL is never read: a token in a query string ends up in logs,
 * histories and Referer headers (RFC 6750 §5.3), so `?access_token=` is simply not a credential.
 */
export function createBearerCredential(accessTokens: AccessTokens): CredentialReader {
  return {
    kind: 'bearer',
    ambient: false,
    // Another scheme (Basic added by a proxy, say) is not ours to judge: it is not a credential here.
    isPresent: (request) => authorizationHeaders(request).some((value) => BEARER_SCHEME.test(value)),
    async authenticate(request) {
      const headers = authorizationHeaders(request);
      if (headers.length !== 1)
        throw new TokenError('ERR_TOKEN_MALFORMED', 'more than one Authorization header');
      const match = BEARER.exec(headers[0]!);
      if (!match) throw new TokenError('ERR_TOKEN_MALFORMED', 'malformed Bearer credentials');
      const principal = await accessTokens.authenticate(match[1]!);
      // RFC 9449 §7.2: a DPoP-bound token is no bearer token; downgrading the scheme would drop the
      // proof of possession, which is the whole point of binding it.
      if (principal.claims.cnf)
        throw new TokenError('ERR_TOKEN_BINDING', 'DPoP-bound token presented as Bearer');
      return principal;
    },
  };
}
