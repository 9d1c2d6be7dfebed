import { type Authenticated, readRefreshTokenBinding } from '@gatehouse/core';
import type { FastifyReply } from 'fastify';
import { DEFAULT_CLIENT_ID } from '../../oauth/clients.ts';
import type { AppContext } from '../app-context.ts';
import { setRefreshCookie } from '../auth/refresh-cookie.ts';

export interface DeliveredTokens {
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** `token` strategy only; a `hybrid` refresh token goes into its cookie, never into a body. */
  refreshToken?: string;
  /** `DPoP` for a sender-constrained token (RFC 9449 §5), else `Bearer`. */
  tokenType: 'Bearer' | 'DPoP';
}

/**
 * Hands out the credentials of a hybrid or token session (after login, refresh or password change):
 * a new access token for the body, and the refresh token in the `__Secure-` cookie (hybrid), where
 * script cannot read it, or in the body (token) for clients without a cookie jar. The access token
 * takes its `client_id` and DPoP key from the refresh token's binding; `jkt` binds it to a key the
 * refresh token is not bound to (a proof sent with an unbound family).
 */
export async function deliverTokens(
  authenticated: Authenticated,
  refreshToken: string,
  reply: FastifyReply,
  context: AppContext,
  jkt?: string,
): Promise<DeliveredTokens> {
  const { session } = authenticated;
  const binding = readRefreshTokenBinding(refreshToken);
  const boundJkt = binding.jkt ?? jkt;
  const { accessToken, expiresIn } = await context.accessTokens.issue(authenticated.user, session, {
    clientId: binding.clientId ?? DEFAULT_CLIENT_ID,
    ...(boundJkt === undefined ? {} : { jkt: boundJkt }),
  });
  const tokenType = boundJkt === undefined ? 'Bearer' : 'DPoP';
  if (session.strategy === 'hybrid') {
    // The cookie lives exactly as long as the session can; rotation replaces it.
    setRefreshCookie(reply, refreshToken, (session.absoluteExpiresAt - context.clock.now()) / 1000);
    return { accessToken, expiresIn, tokenType };
  }
  return { accessToken, expiresIn, refreshToken, tokenType };
}
