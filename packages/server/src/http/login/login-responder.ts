import type { LoginResult } from '@gatehouse/core';
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.ts';

/**
 * Turns a successful login into the response of one strategy (cookies to set, body to send). The
 * client and DPoP key that hybrid and token credentials are bound to are in the refresh token the
 * login started (`result.refreshToken`), which the access token follows.
 */
export type LoginResponder = (
  result: LoginResult,
  reply: FastifyReply,
  context: AppContext,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** The refresh token the login started its session's family with (the route asks for one for hybrid and token logins). */
export function refreshTokenOf(result: LoginResult): string {
  if (result.refreshToken === undefined)
    throw new Error('login: no refresh token was started for this session');
  return result.refreshToken;
}
