import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';

// Public, identical for everyone and changed only by a key rotation: caches may keep it a while.
// New keys sign at once, so a verifier that meets an unknown kid refetches rather than waiting.
const PUBLIC_CACHE = 'public, max-age=300';

/**
 * `GET /.well-known/jwks.json` (public keys only; nothing for HS256) and
 * `GET /.well-known/openid-configuration` (where everything else is).
 */
export function registerDiscoveryRoutes(app: FastifyInstance, context: AppContext): void {
  const { issuer, signingAlgorithm } = context.config;
  const discovery = Object.freeze({
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    token_endpoint: `${issuer}/auth/refresh`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_feed: `${issuer}/revocations`,
    grant_types_supported: ['refresh_token'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    // Gatehouse issues access tokens, not ID tokens. Both fields name the algorithm new access
    // tokens are signed with: the first is the one OpenID discovery parsers require and read.
    id_token_signing_alg_values_supported: [signingAlgorithm],
    access_token_signing_alg_values_supported: [signingAlgorithm],
  });

  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return context.keyring.jwks();
  });

  app.get('/.well-known/openid-configuration', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return discovery;
  });
}
