import { RefreshTokenError } from '@gatehouse/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { clearRefreshCookie, readRefreshCookie } from '../auth/refresh-cookie.ts';
import { assertCsrfToken } from '../plugins/csrf-guard.ts';
import { readJsonObject } from '../plugins/json-body.ts';
import { grantRefreshToken } from '../oauth/refresh-grant.ts';
import { type DeliveredTokens, deliverTokens } from '../login/deliver-tokens.ts';
import { requestContext } from '../request-context.ts';
import { countedAs } from '../route-config.ts';

const wrongKind = () => new RefreshTokenError('ERR_REFRESH_INVALID', 'refresh token of another strategy');

/** `hybrid` strategy: the refresh cookie is ambient, so the same-origin checks and the CSRF token apply. */
async function refreshFromCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  context: AppContext,
): Promise<DeliveredTokens> {
  const presented = readRefreshCookie(request);
  // With no cookie there is nothing ambient to ride on: only a foreign origin is refused (then 400).
  if (presented === undefined) await context.sameOriginOnly(request, reply);
  else await context.sameOriginCookieOnly(request, reply);
  try {
    const session = await context.auth.getRefreshTokenSession(presented);
    if (session?.strategy !== 'hybrid') throw wrongKind();
    // Checked before the token is spent: a refused request leaves the cookie's token usable.
    assertCsrfToken(request, session.id, context.csrf);
    const rotated = await context.auth.rotateRefreshToken(presented, requestContext(request), { session });
    return await deliverTokens(rotated, rotated.refreshToken, reply, context);
  } catch (error) {
    // A dead refresh token is removed so the browser stops presenting it; a CSRF refusal keeps it.
    if (error instanceof RefreshTokenError) clearRefreshCookie(reply);
    throw error;
  }
}

/**
 * `POST /auth/refresh`: rotates the refresh token and issues a new access token. A body with
 * `refreshToken` is the token strategy; otherwise the hybrid cookie is used. Every failure of the
 * grant itself is 400 invalid_grant: unknown, expired, reused, or presented the wrong way.
 */
export function registerRefreshRoute(app: FastifyInstance, context: AppContext): void {
  app.post('/auth/refresh', countedAs('refresh'), async (request, reply) => {
    const body = request.body === undefined ? {} : readJsonObject(request.body);
    // `token` strategy: the refresh token in the JSON body; nothing ambient, so no CSRF defence needed.
    const tokens =
      body.refreshToken !== undefined
        ? await grantRefreshToken(body.refreshToken, body.client_id, request, reply, context)
        : await refreshFromCookie(request, reply, context);
    // `tokenType` is added only for DPoP-bound tokens: Bearer answers keep their documented shape.
    const { tokenType, ...rest } = tokens;
    return tokenType === 'DPoP' ? { ...rest, tokenType } : rest;
  });
}
