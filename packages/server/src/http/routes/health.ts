import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';

/** `GET /healthz` (the process answers) and `GET /readyz` (its store answers too). */
export function registerHealthRoutes(app: FastifyInstance, context: AppContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    try {
      await context.auth.store.ping();
      return { status: 'ok' };
    } catch (error) {
      request.log.warn({ err: error }, 'store ping failed');
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
}
