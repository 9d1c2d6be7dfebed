import type { Strategy } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { Gauge } from 'prom-client';
import type { AppContext } from '../http/app-context.ts';
import type { AdminStatsOptions } from '../http/routes/admin/stats-route.ts';
import { createActivityMonitor } from './anomaly-alerts.ts';
import { createGatehouseMetrics, type GatehouseMetrics } from './gatehouse-metrics.ts';
import { registerMetricsRoute } from './metrics-route.ts';
import { collectRequestMetrics } from './request-metrics.ts';

const STRATEGIES: readonly Strategy[] = ['session', 'hybrid', 'token'];

/** `gatehouse_active_sessions{strategy}`, read from the store at each scrape. */
function registerActiveSessionsGauge(
  app: FastifyInstance,
  metrics: GatehouseMetrics,
  countActiveSessions: () => Promise<Record<Strategy, number>>,
): void {
  const activeSessions: Gauge<'strategy'> = new Gauge({
    name: 'gatehouse_active_sessions',
    help: 'Live sessions (neither idle- nor absolute-expired), by strategy; read from the store at each scrape.',
    labelNames: ['strategy'] as const,
    registers: [metrics.registry],
    async collect() {
      try {
        const counts = await countActiveSessions();
        for (const strategy of STRATEGIES) activeSessions.set({ strategy }, counts[strategy] ?? 0);
      } catch (error) {
        // No figure rather than a stale one; the rest of the scrape still answers.
        activeSessions.reset();
        app.log.warn({ err: error }, 'active sessions: store unavailable');
      }
    },
  });
}

/**
 * Metrics and anomaly alerts: the request hooks that count (request-metrics.ts), the chart and the
 * alerts (anomaly-alerts.ts), the active-sessions gauge and `GET /metrics` (metrics-route.ts).
 * Returns what `GET /admin/stats` reads; that route is registered with the admin routes.
 * Call after the cookie plugin is registered. `metrics` defaults to a fresh set (no process metrics).
 */
export function registerMetrics(
  app: FastifyInstance,
  context: AppContext,
  metrics: GatehouseMetrics = createGatehouseMetrics(),
): AdminStatsOptions {
  const { clock, audit, store } = context;
  const monitor = createActivityMonitor({
    clock,
    audit,
    auditEvents: store.audit,
    metrics,
  });
  const countActiveSessions = () => store.sessions.countActive(clock.now());
  registerActiveSessionsGauge(app, metrics, countActiveSessions);
  collectRequestMetrics(app, metrics, monitor);
  app.register(async (scope) => registerMetricsRoute(scope, metrics));
  return {
    monitor,
    clock,
    countActiveSessions,
    alertBucketSeconds: metrics.settings.alerts.bucketSeconds,
  };
}
