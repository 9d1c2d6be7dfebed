import {
  type AccessTokens,
  type Auth,
  type CsrfTokens,
  type DpopProofChecker,
  UnauthenticatedError,
} from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { assertCsrfToken, assertSameOriginCookieRequest, isStateChanging } from '../plugins/csrf-guard.ts';
import { createBearerCredential } from './bearer-credential.ts';
import { createDpopCredential } from './dpop-credential.ts';
import type { CredentialReader, Principal } from './credential.ts';
import { createSessionCookieCredential } from './session-cookie-credential.ts';

export type AuthenticateHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface AuthenticatorOptions {
  auth: Auth;
  accessTokens: AccessTokens;
  csrf: CsrfTokens;
  allowedOrigins: ReadonlySet<string>;
  /** Checks the proofs of DPoP-bound access tokens. */
  dpop: DpopProofChecker;
  /** Base of the URLs clients address (`htu`). */
  issuer: string;
}

const principals = new WeakMap<FastifyRequest, Principal>();

/**
 * An `onRequest` hook that authenticates the request or throws (401), and enforces CSRF defences
 * when the credential is ambient (a cookie) and the request changes state.
 *
 * @example
 * app.get('/auth/me', { onRequest: authenticate }, async (request) => getPrincipal(request).user);
 */
export function createAuthenticator(options: AuthenticatorOptions): AuthenticateHook {
  // Tried in order; the first credential present decides. Bearer goes first: an explicit
  // Authorization header is the caller's choice, a cookie may just be lying around.
  const readers: CredentialReader[] = [
    createBearerCredential(options.accessTokens),
    createDpopCredential(options.accessTokens, options.dpop, options.issuer),
    createSessionCookieCredential(options.auth),
  ];

  return async function authenticate(request, reply) {
    const reader = readers.find((candidate) => candidate.isPresent(request));
    // RFC 6750 §3.1: no credentials, or only ones of a scheme we do not take, get the bare challenge.
    if (!reader) throw new UnauthenticatedError('ERR_UNAUTHENTICATED', 'no credentials');
    const csrfApplies = reader.ambient && isStateChanging(request.method);
    // Cheap header checks first, so a cross-site request never reaches the store.
    if (csrfApplies) assertSameOriginCookieRequest(request, options.allowedOrigins);
    const { user, session, claims } = await reader.authenticate(request, reply);
    if (csrfApplies) assertCsrfToken(request, session.id, options.csrf);
    const binding = claims
      ? {
          ...(claims.client_id === undefined ? {} : { clientId: claims.client_id }),
          ...(claims.cnf === undefined ? {} : { jkt: claims.cnf.jkt }),
        }
      : undefined;
    principals.set(request, { user, session, credential: reader.kind, ...(binding ? { binding } : {}) });
  };
}

/** The caller of a request that passed the authenticate hook. */
export function getPrincipal(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (!principal) throw new TypeError('route is missing the authenticate hook');
  return principal;
}
