import { InvalidInputError, type LoginResult, type Strategy } from '@gatehouse/core';
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { respondWithHybridTokens } from './hybrid-login.ts';
import { respondWithSessionCookie } from './session-login.ts';
import { respondWithTokens } from './token-login.ts';

/** Turns a successful login into the response of one strategy (cookies to set, body to send). */
export type LoginResponder = (
  result: LoginResult,
  reply: FastifyReply,
  context: AppContext,
  binding: LoginBinding,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** The client that logged in and, for the token strategy, the DPoP key its tokens are bound to. */
export interface LoginBinding {
  clientId: string;
  jkt?: string;
}

const STRATEGIES: readonly Strategy[] = ['session', 'hybrid', 'token'];

/** How each strategy answers a login. A full `Record`: a new strategy does not compile until it is here. */
export const loginResponders: Readonly<Record<Strategy, LoginResponder>> = {
  session: respondWithSessionCookie,
  hybrid: respondWithHybridTokens,
  token: respondWithTokens,
};

/** The requested strategy; `session` when absent. An unknown value is a 400 invalid_request. */
export function parseStrategy(value: unknown): Strategy {
  if (value === undefined) return 'session';
  if (typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value))
    return value as Strategy;
  throw new InvalidInputError('unknown strategy', 'strategy');
}
