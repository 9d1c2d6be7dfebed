import { type LoginResult, toPublicUser } from '@gatehouse/core';
import type { FastifyReply } from 'fastify';
import { setSessionCookie } from '../auth/session-cookie.ts';
import { sessionExpiresAt } from '../views.ts';
import type { LoginResponder } from './login-responder.ts';

/** `session` strategy: the session token goes into the `__Host-` cookie, never into the body. */
export const respondWithSessionCookie: LoginResponder = (result, reply, context) => {
  const { session } = result;
  setSessionCookieFor(reply, result);
  return {
    user: toPublicUser(result.user),
    session: { id: session.id, expiresAt: sessionExpiresAt(session) },
    csrfToken: context.csrf.issue(session.id),
  };
};

/** Sets the cookie of a new session (login, password change). */
export function setSessionCookieFor(
  reply: FastifyReply,
  result: Pick<LoginResult, 'session' | 'sessionToken'>,
): void {
  const { session } = result;
  // The cookie may live as long as the session can; the server enforces the idle limit itself.
  setSessionCookie(reply, result.sessionToken, (session.absoluteExpiresAt - session.createdAt) / 1000);
}
