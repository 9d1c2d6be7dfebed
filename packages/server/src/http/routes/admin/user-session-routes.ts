import type { UserAdmin } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { getPrincipal } from '../../auth/authenticate.ts';
import { clearCredentialCookie } from '../../auth/clear-credential-cookie.ts';
import { requestContext } from '../../request-context.ts';
import { toSessionSummary } from '../../views.ts';
import { adminActorOf } from './require-admin.ts';

type UserParams = { Params: { id: string } };

/** `GET /admin/users/:id/sessions` (live sessions, no secrets) and `DELETE` (sign the user out everywhere). */
export function registerAdminUserSessionRoutes(app: FastifyInstance, users: UserAdmin): void {
  app.get<UserParams>('/admin/users/:id/sessions', async (request) => {
    const { session } = getPrincipal(request);
    const sessions = await users.listSessions(request.params.id);
    return { sessions: sessions.map((each) => toSessionSummary(each, session.id)) };
  });

  app.delete<UserParams>('/admin/users/:id/sessions', async (request, reply) => {
    const { user, session } = getPrincipal(request);
    await users.revokeSessions(adminActorOf(request), request.params.id, requestContext(request));
    // An admin signing themselves out everywhere ends this session too, like logout-all.
    if (request.params.id === user.id) clearCredentialCookie(reply, session.strategy);
    return reply.code(204).send();
  });
}
