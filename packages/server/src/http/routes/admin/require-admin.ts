import { type AdminActor, ForbiddenError } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { getPrincipal } from '../../auth/authenticate.ts';
import { requestContext } from '../../request-context.ts';

/**
 * `onRequest` hook after `authenticate`: the caller must hold the `admin` role (403 otherwise).
 * Roles are read from the user record loaded for this request, never from a token's `roles`
 * claim, so a token minted before a demotion grants nothing. A refusal is audited (ASVS 5
 * V16.3.2: failed authorization attempts are logged), naming the route pattern, not the raw URL.
 */
export function createRequireAdmin(context: AppContext) {
  return async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const { user, session } = getPrincipal(request);
    try {
      context.auth.requireRole(user, 'admin');
    } catch (error) {
      if (!(error instanceof ForbiddenError)) throw error;
      await context.audit.record(
        {
          type: 'admin.forbidden',
          actorId: user.id,
          subjectId: user.id,
          sessionId: session.id,
          data: { method: request.method, route: request.routeOptions.url ?? null },
        },
        requestContext(request),
      );
      throw error;
    }
  };
}

/** The admin making this request, as core's admin operations name their actor. */
export function adminActorOf(request: FastifyRequest): AdminActor {
  return { kind: 'user', id: getPrincipal(request).user.id };
}
