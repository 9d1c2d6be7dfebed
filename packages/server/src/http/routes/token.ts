import { InvalidInputError } from '@gatehouse/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { authorizationHeaders } from '../auth/authorization-headers.ts';
import { readJsonObject } from '../plugins/json-body.ts';
import { grantRefreshToken } from '../oauth/refresh-grant.ts';
import { countedAs } from '../route-config.ts';

const FORM = 'application/x-www-form-urlencoded';

/** RFC 6749 §5.2: 400 `{error}`; `invalid_client` 401. Only the code, never a description. */
function answerTokenError(reply: FastifyReply, status: number, error: string) {
  return reply.code(status).header('pragma', 'no-cache').send({ error });
}

/**
 * `POST /oauth/token` (RFC 6749 §3.2), the `token_endpoint` of the metadata: the refresh grant
 * (§6) for the `token` strategy, form-encoded, answered as §5.1 (`access_token`, `token_type`
 * `Bearer` or `DPoP`, `expires_in`, `refresh_token`) or §5.2. Public clients only: `client_id` in
 * the body, or none (the refresh token names its client). It never reads a cookie, so a
 * cross-site form posting here can spend nothing the browser holds.
 */
export function registerTokenRoute(app: FastifyInstance, context: AppContext): void {
  app.post('/oauth/token', countedAs('token'), async (request, reply) => {
    reply.header('pragma', 'no-cache');
    if (!request.headers['content-type']?.toLowerCase().startsWith(FORM)) {
      return answerTokenError(reply, 400, 'invalid_request');
    }
    // Public clients authenticate with nothing: a client that tries credentials is not one of ours.
    if (authorizationHeaders(request).length > 0) return answerTokenError(reply, 401, 'invalid_client');
    const body = readJsonObject(request.body);
    const grantType = body.grant_type;
    if (typeof grantType !== 'string' || grantType === '') throw new InvalidInputError('grant_type missing');
    if (grantType !== 'refresh_token') return answerTokenError(reply, 400, 'unsupported_grant_type');
    if (typeof body.refresh_token !== 'string' || body.refresh_token === '')
      throw new InvalidInputError('refresh_token missing', 'refresh_token');
    if (body.client_secret !== undefined) return answerTokenError(reply, 401, 'invalid_client');
    const tokens = await grantRefreshToken(body.refresh_token, body.client_id, request, reply, context);
    return {
      access_token: tokens.accessToken,
      token_type: tokens.tokenType,
      expires_in: tokens.expiresIn,
      refresh_token: tokens.refreshToken,
    };
  });
}
