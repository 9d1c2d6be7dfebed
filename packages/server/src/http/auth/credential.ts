import type { AccessTokenBinding, Authenticated, AccessTokenClaims } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** How a request proved who it is: an access token in `Authorization`, or the session cookie. */
export type CredentialKind = 'bearer' | 'dpop' | 'session-cookie';

/** The authenticated caller of a request. */
export interface Principal extends Authenticated {
  credential: CredentialKind;
  /** For an access token: its client and DPoP key, which tokens issued to this caller keep. */
  binding?: AccessTokenBinding;
}

/** One way of presenting credentials; the authenticator tries each in turn. */
export interface CredentialReader {
  kind: CredentialKind;
  /**
   * True for credentials the browser attaches on its own (cookies): any site can make the browser
   * send them, so state changes made with them need Origin checks and a CSRF token.
   */
  ambient: boolean;
  /** Whether the request carries this kind of credential at all (valid or not). */
  isPresent(request: FastifyRequest): boolean;
  /** Validates the credential; throws a 401-mapped `GatehouseError` when it is not good. */
  authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<Authenticated & { claims?: AccessTokenClaims }>;
}
