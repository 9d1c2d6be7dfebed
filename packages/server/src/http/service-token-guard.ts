import { ClientError, parseAuthorization, TokenError, UnauthenticatedError } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';
import { authorizationHeaders } from './auth/authorization-headers.ts';
import { hasServiceClientCredentials, hasServiceCredential } from './service-credential.ts';

/** RFC 6749 §5.2: a client that authenticated with `Authorization: Basic` is challenged in that scheme. */
export const SERVICE_CLIENT_CHALLENGE = 'Basic realm="gatehouse"';

/** Wrong client_secret_basic credentials: 401 `invalid_client` with the Basic challenge (error-map.ts). */
export class ServiceClientError extends ClientError {
  constructor() {
    super('ERR_INVALID_CLIENT', 'wrong service client credentials');
  }
}

export interface ServiceTokenGuardOptions {
  /** Also take client_secret_basic: client_id `service`, the token as secret (introspection). */
  clientSecretBasic?: boolean;
}

/**
 * Throws unless the request carries the service token (a long-lived shared secret, compared in
 * constant time), so the refusal is answered by the error table like every other: 401
 * `invalid_token` with `Bearer error="invalid_token"` for a wrong Bearer credential, the bare
 * `Bearer` challenge when there was none (RFC 6750 §3.1; another scheme counts as none), and
 * `invalid_client` for wrong client_secret_basic credentials. Without a token configured
 * (`serviceToken` null) everyone is refused.
 */
export function assertServiceToken(
  request: FastifyRequest,
  serviceToken: string | null | undefined,
  options: ServiceTokenGuardOptions = {},
): void {
  const presented = authorizationHeaders(request);
  if (serviceToken && options.clientSecretBasic && presented.length === 1 && /^basic /i.test(presented[0]!)) {
    if (!hasServiceClientCredentials(presented[0]!, serviceToken)) throw new ServiceClientError();
    return;
  }
  if (serviceToken && hasServiceCredential(request, serviceToken)) return;
  if (!presented.some((value) => parseAuthorization(value).scheme === 'Bearer'))
    throw new UnauthenticatedError('ERR_UNAUTHENTICATED', 'no service token');
  throw new TokenError('ERR_TOKEN_INVALID', 'wrong service token');
}

/**
 * `assertServiceToken` as an `onRequest` hook.
 *
 * @example
 * app.get('/revocations', { onRequest: createServiceTokenGuard(serviceToken) }, handler);
 */
export function createServiceTokenGuard(
  serviceToken: string | null | undefined,
  options: ServiceTokenGuardOptions = {},
): (request: FastifyRequest) => Promise<void> {
  return async (request) => assertServiceToken(request, serviceToken, options);
}
