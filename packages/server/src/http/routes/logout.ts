import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { getPrincipal } from '../auth/authenticate.ts';
import { clearCredentialCookie } from '../auth/clear-credential-cookie.ts';
import { requestContext } from '../request-context.ts';

/** `POST /auth/logout` (this session) and `POST /auth/logout-all` (every session of the user). */
export function registerLogoutRoutes(app: FastifyInstance, context: AppContext): void {
  app.post('/auth/logout', { onRequest: context.authenticate }, async (request, reply) => {
    const { user, session } = getPrincipal(request);
    // Revoking the session also ends its refresh family: a hybrid or token login is over too.
    await context.auth.revokeSession({
      sessionId: session.id,
      reason: 'logout',
      actorId: user.id,
      context: requestContext(request),
    });
    clearCredentialCookie(reply, session.strategy);
    return reply.code(204).send();
  });

  app.post('/auth/logout-all', { onRequest: context.authenticate }, async (request, reply) => {
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
