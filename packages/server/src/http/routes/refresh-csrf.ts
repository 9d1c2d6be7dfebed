import { isSessionLive, RefreshTokenError } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { clearRefreshCookie, readRefreshCookie } from '../auth/refresh-cookie.ts';

/**
 * `GET /auth/refresh/csrf`: the CSRF token of the hybrid session behind the refresh cookie. A page
 * that was reloaded holds no access token and no CSRF token (both lived in memory), and the cookie
 * reaches only paths under `/auth/refresh`: this is how such a page learns the token it needs for
 * `POST /auth/refresh`. Same-origin only; reading the answer needs same-origin script anyway (no
 * CORS is granted). Nothing is spent: the refresh token stays as it was.
 */
export function registerRefreshCsrfRoute(app: FastifyInstance, context: AppContext): void {
  app.get('/auth/refresh/csrf', async (request, reply) => {
    await context.sameOriginOnly(request, reply);
    const session = await context.auth.getRefreshTokenSession(readRefreshCookie(request));
    if (session?.strategy !== 'hybrid' || !isSessionLive(session, context.clock.now())) {
      clearRefreshCookie(reply);
      throw new RefreshTokenError('ERR_REFRESH_INVALID', 'no live hybrid refresh cookie');
    }
    return { csrfToken: context.csrf.issue(session.id) };
  });
}
