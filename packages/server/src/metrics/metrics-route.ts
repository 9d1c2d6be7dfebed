import { NotFoundError } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { assertServiceToken } from '../http/service-token-guard.ts';
import type { GatehouseMetrics } from './gatehouse-metrics.ts';
import { isDirectLoopback } from './metrics-access.ts';

/**
 * `GET /metrics`, Prometheus text. With a token configured: exactly one
 * `Authorization: Bearer <token>` header, from anywhere, loopback included (one rule, nothing
 * implicit); a refusal is the service-token guard's 401. Without one: direct loopback connections
 * only; anyone else is told the route does not exist (404).
 */
export function registerMetricsRoute(app: FastifyInstance, metrics: GatehouseMetrics): void {
  const { metricsToken } = metrics.settings;
  app.get('/metrics', async (request, reply) => {
    if (metricsToken !== null) assertServiceToken(request, metricsToken);
    else if (!isDirectLoopback(request)) throw new NotFoundError('metrics are served to loopback only');
    const text = await metrics.registry.metrics();
    return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(text);
  });
}
