import {
  type AccessTokens,
  type DpopProofChecker,
  DpopProofError,
  parseAuthorization,
  TokenError,
} from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorizationHeaders, rawHeaderValues } from './authorization-headers.ts';
import type { CredentialReader } from './credential.ts';

/** The URL a client addressed, as `htu` must name it: the public base (issuer) and the path, no query. */
export function requestUrl(issuer: string, request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0]!;
  return `${issuer}${path}`;
}

/** Sets `DPoP-Nonce` when the checker wants a (fresh) nonce, so the client can retry (RFC 9449 §8). */
export function offerDpopNonce(dpop: DpopProofChecker, reply: FastifyReply, error: unknown): void {
  if (dpop.nonces && error instanceof DpopProofError && error.code === 'ERR_DPOP_NONCE')
    reply.header('dpop-nonce', dpop.nonces.current());
}

/**
 * `Authorization: DPoP <access token>` with a `DPoP` proof header (RFC 9449 §7). The token must be
 * bound (`cnf.jkt`), and the proof must be made by that key for this method, URL and token.
 * Failures answer with the DPoP challenge: `invalid_token` for the token, `invalid_dpop_proof`
 * for the proof. Not ambient: no CSRF defence needed.
 */
export function createDpopCredential(
  accessTokens: AccessTokens,
  dpop: DpopProofChecker,
  issuer: string,
): CredentialReader {
  return {
    kind: 'dpop',
    ambient: false,
    isPresent: (request) =>
      authorizationHeaders(request).some((value) => parseAuthorization(value).scheme === 'DPoP'),
    async authenticate(request, reply) {
      const headers = authorizationHeaders(request);
      if (headers.length !== 1)
        throw new TokenError('ERR_TOKEN_BINDING', 'more than one Authorization header');
      const parsed = parseAuthorization(headers[0]!);
      if (parsed.scheme !== 'DPoP' || parsed.token === null)
        throw new TokenError('ERR_TOKEN_BINDING', 'malformed DPoP credentials');
      const { token } = parsed;
      let principal: Awaited<ReturnType<AccessTokens['authenticate']>>;
      try {
        principal = await accessTokens.authenticate(token);
      } catch (cause) {
        // Same refusal, under the scheme the client used (RFC 9449 §7.1).
        if (cause instanceof TokenError && cause.code !== 'ERR_FEED_STALE')
          throw new TokenError('ERR_TOKEN_BINDING', 'invalid access token', { cause });
        throw cause;
      }
      const jkt = principal.claims.cnf?.jkt;
      if (!jkt) throw new TokenError('ERR_TOKEN_BINDING', 'DPoP scheme with an unbound token');
      try {
        dpop.check({
          proof: rawHeaderValues(request, 'dpop'),
          method: request.method,
          url: requestUrl(issuer, request),
          accessToken: token,
          expectedJkt: jkt,
        });
      } catch (error) {
        offerDpopNonce(dpop, reply, error);
        throw error;
      }
      return principal;
    },
  };
}
