import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { getPrincipal } from '../auth/authenticate.ts';

/**
 * `GET /auth/csrf`: the CSRF token of the current session, for pages that did not keep the one from
 * login. Safe to hand out: reading the response needs same-origin script (no CORS is granted).
 */
export function registerCsrfTokenRoute(app: FastifyInstance, context: AppContext): void {
  app.get('/auth/csrf', { onRequest: context.authenticate }, async (request) => {
    const { session } = getPrincipal(request);
    return { csrfToken: context.csrf.issue(session.id) };
  });
}
