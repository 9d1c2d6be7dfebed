import { toPublicUser } from '@gatehouse/core';
import { deliverTokens } from './deliver-tokens.ts';
import type { LoginResponder } from './login-strategies.ts';

/** `token` strategy (mobile and API clients): both tokens in the body, no cookie at all. */
export const respondWithTokens: LoginResponder = async (result, reply, context) => {
  const refreshToken = await context.auth.issueRefreshToken(result.session);
  const tokens = await deliverTokens(result, refreshToken, reply, context);
  return {
    user: toPublicUser(result.user),
    accessToken: tokens.accessToken,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: tokens.expiresIn,
  };
};
