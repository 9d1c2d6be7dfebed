import { InvalidInputError, type Strategy } from '@gatehouse/core';
import { respondWithHybridTokens } from './hybrid-login.ts';
import type { LoginResponder } from './login-responder.ts';
import { respondWithSessionCookie } from './session-login.ts';
import { respondWithTokens } from './token-login.ts';

export type { LoginResponder } from './login-responder.ts';

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
