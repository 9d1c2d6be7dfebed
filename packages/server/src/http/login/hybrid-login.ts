import { toPublicUser } from '@gatehouse/core';
import { deliverTokens } from './deliver-tokens.ts';
import { type LoginResponder, refreshTokenOf } from './login-responder.ts';

/**
 * `hybrid` strategy: a short-lived access token in the body (kept in memory by the page), the
 * refresh token in an HttpOnly cookie only `/auth/refresh` receives, and the CSRF token that
 * refresh requires.
 */
export const respondWithHybridTokens: LoginResponder = async (result, reply, context) => {
  const refreshToken = refreshTokenOf(result);
  const { accessToken, expiresIn } = await deliverTokens(result, refreshToken, reply, context);
  return {
    user: toPublicUser(result.user),
    accessToken,
    tokenType: 'Bearer',
    expiresIn,
    csrfToken: context.csrf.issue(result.session.id),
  };
};
