import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { getPrincipal } from '../auth/authenticate.ts';
import { clearCredentialCookie } from '../auth/clear-credential-cookie.ts';
import { requestContext } from '../request-context.ts';
import { toSessionSummary } from '../views.ts';

/** `GET /auth/sessions` (my live sessions) and `DELETE /auth/sessions/:id` (sign out one of them). */
export function registerSessionRoutes(app: FastifyInstance, context: AppContext): void {
  app.get('/auth/sessions', { onRequest: context.authenticate }, async (request) => {
    const { user, session } = getPrincipal(request);
    const sessions = await context.auth.listSessions(user.id);
    return { sessions: sessions.map((each) => toSessionSummary(each, session.id)) };
  });

  app.delete<{ Params: { id: string } }>(
    '/auth/sessions/:id',
    { onRequest: context.authenticate },
    async (request, reply) => {
      const { user, session } = getPrincipal(request);
      const { id } = request.params;
      // Someone else's id answers 404 like an unknown one: ids of other users' sessions stay unconfirmed.
      await context.auth.revokeOwnSession({
        userId: user.id,
        sessionId: id,
        context: requestContext(request),
      });
      if (id === session.id) clearCredentialCookie(reply, session.strategy);
      return reply.code(204).send();
    },
  );
}
