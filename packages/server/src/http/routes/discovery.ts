import { DPOP_ALGORITHMS } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';

// Public, identical for everyone and changed only by a key rotation: caches may keep it a while.
// New keys sign at once, so a verifier that meets an unknown kid refetches rather than waiting.
const PUBLIC_CACHE = 'public, max-age=300';

/**
 * `GET /.well-known/jwks.json` (public keys only; nothing for HS256), and the metadata at
 * `GET /.well-known/oauth-authorization-server` (RFC 8414) and `/.well-known/openid-configuration`.
 */
export function registerDiscoveryRoutes(app: FastifyInstance, context: AppContext): void {
  const { issuer, signingAlgorithm, serviceToken } = context.config;
  // RFC 8414 §2: what the server does, and nothing it does not. No authorization endpoint, so no
  // response types; introspection only exists with a service token.
  const metadata = Object.freeze({
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    ...(serviceToken
      ? {
          introspection_endpoint: `${issuer}/oauth/introspect`,
          introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
        }
      : {}),
    revocation_feed: `${issuer}/revocations`,
    response_types_supported: [],
    grant_types_supported: ['refresh_token'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    dpop_signing_alg_values_supported: [...DPOP_ALGORITHMS],
    access_token_signing_alg_values_supported: [signingAlgorithm],
  });
  // OpenID Connect Discovery parsers require `id_token_signing_alg_values_supported`; Gatehouse
  // issues no ID tokens, so it names the access-token algorithm (kept for existing clients).
  const openIdConfiguration = Object.freeze({
    ...metadata,
    id_token_signing_alg_values_supported: [signingAlgorithm],
  });

  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return context.keyring.jwks();
  });

  app.get('/.well-known/oauth-authorization-server', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return metadata;
  });

  app.get('/.well-known/openid-configuration', async (_request, reply) => {
    reply.header('cache-control', PUBLIC_CACHE);
    return openIdConfiguration;
  });
}
