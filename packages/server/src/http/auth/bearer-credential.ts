import { type AccessTokens, parseAuthorization, TokenError } from '@gatehouse/core';
import { authorizationHeaders } from './authorization-headers.ts';
import type { CredentialReader } from './credential.ts';

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
    // A malformed Bearer value is still a Bearer attempt: invalid_token, not "no credentials".
    isPresent: (request) =>
      authorizationHeaders(request).some((value) => parseAuthorization(value).scheme === 'Bearer'),
    async authenticate(request) {
      const headers = authorizationHeaders(request);
      if (headers.length !== 1)
        throw new TokenError('ERR_TOKEN_MALFORMED', 'more than one Authorization header');
      const parsed = parseAuthorization(headers[0]!);
      if (parsed.scheme !== 'Bearer' || parsed.token === null)
        throw new TokenError('ERR_TOKEN_MALFORMED', 'malformed Bearer credentials');
      const principal = await accessTokens.authenticate(parsed.token);
      // RFC 9449 §7.2: a DPoP-bound token is no bearer token; downgrading the scheme would drop the
      // proof of possession, which is the whole point of binding it.
      if (principal.claims.cnf)
        throw new TokenError('ERR_TOKEN_BINDING', 'DPoP-bound token presented as Bearer');
      return principal;
    },
  };
}
