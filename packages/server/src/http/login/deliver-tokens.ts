import type { Authenticated } from '@gatehouse/core';
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { setRefreshCookie } from '../auth/refresh-cookie.ts';

export interface DeliveredTokens {
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** `token` strategy only; a `hybrid` refresh token goes into its cookie, never into a body. */
  refreshToken?: string;
}

/**
 * Hands out the credentials of a hybrid or token session (after login, refresh or password change):
 * a new access token for the body, and the refresh token in the `__Secure-` cookie (hybrid), where
 * script cannot read it, or in the body (token) for clients without a cookie jar.
 */
export async function deliverTokens(
  authenticated: Authenticated,
  refreshToken: string,
  reply: FastifyReply,
  context: AppContext,
): Promise<DeliveredTokens> {
  const { session } = authenticated;
  const { accessToken, expiresIn } = await context.accessTokens.issue(authenticated.user, session);
  if (session.strategy === 'hybrid') {
    // The cookie lives exactly as long as the session can; rotation replaces it.
    setRefreshCookie(reply, refreshToken, (session.absoluteExpiresAt - context.auth.clock.now()) / 1000);
    return { accessToken, expiresIn };
  }
  return { accessToken, expiresIn, refreshToken };
}
