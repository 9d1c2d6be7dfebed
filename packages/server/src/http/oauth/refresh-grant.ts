import {
  ClientError,
  RefreshTokenError,
  readRefreshTokenBinding,
  isRefreshTokenShaped,
} from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_CLIENT_ID } from '../../oauth/clients.ts';
import type { AppContext } from '../app-context.ts';
import { type DeliveredTokens, deliverTokens } from '../login/deliver-tokens.ts';
import { requestContext } from '../request-context.ts';
import { TokenEndpointError } from './token-endpoint-error.ts';
import { readTokenRequestProof } from './token-request-proof.ts';

const invalidGrant = (message: string) => new RefreshTokenError('ERR_REFRESH_INVALID', message);

/**
 * The refresh grant of the `token` strategy (RFC 6749 §6), wherever it arrives (`/oauth/token`
 * form, `/auth/refresh` JSON). The refresh token names its client and DPoP key (see
 * `generateRefreshToken`): a `client_id` that differs is `invalid_grant` (RFC 6749 §6: bound to
 * the client), a bound token needs a proof by its key (RFC 9449 §5), and everything is checked
 * before the token is spent, so a refused request leaves it usable.
 */
export async function grantRefreshToken(
  presented: unknown,
  clientIdParameter: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  context: AppContext,
): Promise<DeliveredTokens> {
  // Unknown clients first (RFC 6749 §5.2 invalid_client), whatever the token.
  const named = clientIdParameter === undefined ? null : context.clients.resolve(clientIdParameter);
  if (!isRefreshTokenShaped(presented)) throw invalidGrant('malformed refresh token');
  const binding = readRefreshTokenBinding(presented);
  const clientId = binding.clientId ?? DEFAULT_CLIENT_ID;
  if (named && named.id !== clientId) throw invalidGrant('refresh token of another client');
  const client = context.clients.get(clientId);
  if (!client) throw new ClientError('ERR_INVALID_CLIENT', 'client no longer registered');
  const proof = readTokenRequestProof(request, context, binding.jkt !== undefined || client.requireDpop);
  if (binding.jkt !== undefined && proof?.jkt !== binding.jkt)
    throw new TokenEndpointError(
      'invalid_dpop_proof',
      'proof key is not the key the refresh token is bound to',
    );
  // A hybrid token must not be usable from a body: it was never meant to leave its HttpOnly cookie.
  const session = await context.auth.getRefreshTokenSession(presented);
  if (session?.strategy !== 'token') throw invalidGrant('refresh token of another strategy');
  const rotated = await context.auth.rotateRefreshToken(presented, requestContext(request), { session });
  return deliverTokens(rotated, rotated.refreshToken, reply, context, proof?.jkt);
}
