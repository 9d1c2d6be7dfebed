import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { getPrincipal } from '../auth/authenticate.ts';
import { clearCredentialCookie } from '../auth/clear-credential-cookie.ts';
import { requestContext } from '../request-context.ts';
import { countedAs } from '../route-config.ts';

/** `POST /auth/logout` (this session) and `POST /auth/logout-all` (every session of the user). */
export function registerLogoutRoutes(app: FastifyInstance, context: AppContext): void {
  const logout = { ...countedAs('logout'), onRequest: context.authenticate };
  app.post('/auth/logout', logout, async (request, reply) => {
    const { user, session } = getPrincipal(request);
    // Revoking the session also ends its refresh family: a hybrid or token login is over too.
    // The request was authenticated with the session, read live: it is not read again.
    await context.auth.revokeSession({
      sessionId: session.id,
      session,
      reason: 'logout',
      actorId: user.id,
      context: requestContext(request),
    });
    clearCredentialCookie(reply, session.strategy);
    return reply.code(204).send();
  });

  const logoutAll = { ...countedAs('logout_all'), onRequest: context.authenticate };
  app.post('/auth/logout-all', logoutAll, async (request, reply) => {
    const { user, session } = getPrincipal(request);
    await context.auth.revokeAllSessions({
      userId: user.id,
      reason: 'logout_all',
      actorId: user.id,
      context: requestContext(request),
    });
    clearCredentialCookie(reply, session.strategy);
    return reply.code(204).send();
  });
}
