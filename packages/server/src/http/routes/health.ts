import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.ts';

/** `/readyz` answers within this, whatever the store does (issue 10: 503 within 1 s). */
export const READY_TIMEOUT_MS = 900;

/** What `/readyz` reports beyond the store's ping (startServer fills it in). */
export interface Readiness {
  /** True once a shutdown began: load balancers stop sending new requests. */
  shuttingDown(): boolean;
  /** Extra facts for the body, e.g. the feed's pending events or a persistence warning. */
  detail?(): Record<string, unknown>;
}

/** `GET /healthz` (the process answers) and `GET /readyz` (its store answers too, in time). */
export function registerHealthRoutes(app: FastifyInstance, context: AppContext, readiness?: Readiness): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const detail = readiness?.detail?.() ?? {};
    if (readiness?.shuttingDown()) return reply.code(503).send({ status: 'shutting_down', ...detail });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        context.store.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('store ping timed out')), READY_TIMEOUT_MS);
        }),
      ]);
      return { status: 'ok', ...detail };
    } catch (error) {
      request.log.warn({ err: error }, 'store ping failed');
      return reply.code(503).send({ status: 'unavailable', ...detail });
    } finally {
      clearTimeout(timer);
    }
  });
}
