import { toPublicUser } from '@gatehouse/core';
import { deliverTokens } from './deliver-tokens.ts';
import { type LoginResponder, refreshTokenOf } from './login-responder.ts';

/**
 * `token` strategy (mobile and API clients): both tokens in the body, no cookie at all. With a DPoP
 * proof, both are bound to its key: `tokenType: "DPoP"`, `cnf.jkt` in the access token.
 */
export const respondWithTokens: LoginResponder = async (result, reply, context) => {
  const refreshToken = refreshTokenOf(result);
  const tokens = await deliverTokens(result, refreshToken, reply, context);
  return {
    user: toPublicUser(result.user),
    accessToken: tokens.accessToken,
    refreshToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
  };
};
