import { toPublicUser } from '@gatehouse/core';
import { refreshTokenBinding } from '../../oauth/clients.ts';
import { deliverTokens } from './deliver-tokens.ts';
import type { LoginResponder } from './login-responder.ts';

/**
 * `token` strategy (mobile and API clients): both tokens in the body, no cookie at all. With a DPoP
 * proof, both are bound to its key: `tokenType: "DPoP"`, `cnf.jkt` in the access token.
 */
export const respondWithTokens: LoginResponder = async (result, reply, context, binding) => {
  const refreshToken = await context.auth.issueRefreshToken(
    result.session,
    refreshTokenBinding(binding.clientId, binding.jkt),
  );
  const tokens = await deliverTokens(result, refreshToken, reply, context);
  return {
    user: toPublicUser(result.user),
    accessToken: tokens.accessToken,
    refreshToken,
    tokenType: tokens.tokenType,
    expiresIn: tokens.expiresIn,
  };
};
