import { InvalidInputError, type RequestContext, TokenError } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { readJsonObject } from '../plugins/json-body.ts';
import { requestContext } from '../request-context.ts';
import { countedAs } from '../route-config.ts';

type Revoker = (token: string, context: RequestContext) => Promise<boolean>;

/**
 * `POST /oauth/revoke {token, token_type_hint?, client_id?}` (RFC 7009), form-encoded or JSON. Whoever holds a token may end the
 * session it belongs to: an access token revokes its `sid`, a refresh token (live or already
 * rotated) its session and family. The answer is 200 for any well-formed request, the token known
 * or not, so the endpoint cannot be used to probe which tokens exist.
 */
export function registerRevokeRoute(app: FastifyInstance, context: AppContext): void {
  const revokeAccessToken: Revoker = async (token, requestContext) => {
    let claims: Awaited<ReturnType<typeof context.accessTokens.verify>>;
    try {
      claims = await context.accessTokens.verify(token);
    } catch (error) {
      if (error instanceof TokenError) return false;
      throw error;
    }
    await context.auth.revokeSession({
      sessionId: claims.sid,
      reason: 'token_revoked',
      actorId: claims.sub,
      context: requestContext,
    });
    return true;
  };
  const revokeRefreshToken: Revoker = (token, requestContext) =>
    context.auth.revokeByRefreshToken(token, requestContext);

  const route = { ...countedAs('revoke'), onRequest: context.sameOriginOnly };
  app.post('/oauth/revoke', route, async (request, reply) => {
    const body = readJsonObject(request.body);
    const { token, token_type_hint: hint } = body;
    // Public clients send their client_id (RFC 7009 §2.1); one we never registered is invalid_client.
    context.clients.resolve(body.client_id);
    if (typeof token !== 'string' || token === '') throw new InvalidInputError('token is required', 'token');
    if (hint !== undefined && typeof hint !== 'string') {
      throw new InvalidInputError('token_type_hint must be a string', 'token_type_hint');
    }
    // RFC 7009 §2.1: the hint only decides which kind is tried first; an unknown hint is ignored.
    const order =
      hint === 'refresh_token'
        ? [revokeRefreshToken, revokeAccessToken]
        : [revokeAccessToken, revokeRefreshToken];
    const caller = requestContext(request);
    for (const revoke of order) if (await revoke(token, caller)) break;
    return reply.code(200).send();
  });
}
