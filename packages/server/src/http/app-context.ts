import type { AccessTokens, Auth, AuthDeps, CsrfTokens, DpopProofChecker, Keyring } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatehouseConfig } from '../config.ts';
import type { ClientRegistry } from '../oauth/clients.ts';
import type { AuthenticateHook } from './auth/authenticate.ts';

/** The keyring as the HTTP layer uses it: JWKS, plus rotation and revocation for admins. */
export type AppKeyring = Pick<Keyring, 'jwks' | 'rotate' | 'revoke' | 'getSigningKey'>;

/** The part of the configuration the HTTP layer reads. */
export type HttpConfig = Pick<
  GatehouseConfig,
  'allowedOrigins' | 'trustProxy' | 'issuer' | 'signingAlgorithm' | 'serviceToken'
> &
  Partial<Pick<GatehouseConfig, 'uiStrategy' | 'clients' | 'feedMaxStreams' | 'feedMaxStreamsPerAddress'>>;

/**
 * What the HTTP layer takes from the composition root besides the auth operations: the store (key,
 * audit and user reads, health), the clock, the audit log and the session policy, the same ones
 * the operations were built with (`createAuthDeps`).
 */
export type AppAuthDeps = Pick<AuthDeps, 'store' | 'clock' | 'audit' | 'sessionPolicy'>;

/** What every route module needs, built once by `buildApp`. */
export interface AppContext extends AppAuthDeps {
  auth: Auth;
  accessTokens: AccessTokens;
  /** The published view of the keys, and what the admin API needs to rotate and revoke them. */
  keyring: AppKeyring;
  csrf: CsrfTokens;
  config: HttpConfig;
  /** Registered OAuth clients (configuration), with the default one. */
  clients: ClientRegistry;
  /** Checks DPoP proofs (RFC 9449); holds this instance's jti replay cache. */
  dpop: DpopProofChecker;
  /** `onRequest` hook for routes that need a caller (401 otherwise). */
  authenticate: AuthenticateHook;
  /** `onRequest` hook for unauthenticated state changes (login, register): refuses cross-site callers. */
  sameOriginOnly: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** The stricter check for requests carrying an ambient cookie (the hybrid refresh cookie): see csrf-guard. */
  sameOriginCookieOnly: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}
