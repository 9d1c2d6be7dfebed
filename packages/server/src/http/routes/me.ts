import { toPublicUser } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { getPrincipal } from '../auth/authenticate.ts';
import { sessionExpiresAt, toIsoTime } from '../views.ts';

/** `GET /auth/me`: the caller and the session they are using. */
export function registerMeRoute(app: FastifyInstance, context: AppContext): void {
  app.get('/auth/me', { onRequest: context.authenticate }, async (request) => {
    const { user, session } = getPrincipal(request);
    return {
      user: toPublicUser(user),
      session: {
        id: session.id,
        strategy: session.strategy,
        createdAt: toIsoTime(session.createdAt),
        expiresAt: sessionExpiresAt(session),
      },
    };
  });
}
