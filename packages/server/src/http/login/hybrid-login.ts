import { toPublicUser } from '@gatehouse/core';
import { refreshTokenBinding } from '../../oauth/clients.ts';
import { deliverTokens } from './deliver-tokens.ts';
import type { LoginResponder } from './login-responder.ts';

/**
 * `hybrid` strategy: a short-lived access token in the body (kept in memory by the page), the
 * refresh token in an HttpOnly cookie only `/auth/refresh` receives, and the CSRF token that
 * refresh requires.
 */
export const respondWithHybridTokens: LoginResponder = async (result, reply, context, binding) => {
  const refreshToken = await context.auth.issueRefreshToken(
    result.session,
    refreshTokenBinding(binding.clientId),
  );
  const { accessToken, expiresIn } = await deliverTokens(result, refreshToken, reply, context);
  return {
    user: toPublicUser(result.user),
    accessToken,
    tokenType: 'Bearer',
    expiresIn,
    csrfToken: context.csrf.issue(result.session.id),
  };
};
