import {
  type AnomalyAlert,
  type AnomalyDetector,
  createAnomalyDetector,
  isGatehouseError,
  type Strategy,
} from '@gatehouse/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Gauge } from 'prom-client';
import type { AppContext } from '../http/app-context.ts';
import { createRequireAdmin } from '../http/routes/admin/require-admin.ts';
import { toIsoTime } from '../http/views.ts';
import { type ActivitySeries, createActivitySeries } from './activity-series.ts';
import {
  type AlertKind,
  AUTH_ENDPOINTS,
  type AttemptOutcome,
  createGatehouseMetrics,
  type GatehouseMetrics,
} from './gatehouse-metrics.ts';
import { checkMetricsAccess } from './metrics-access.ts';

const STRATEGIES: readonly Strategy[] = ['session', 'hybrid', 'token'];
/** The admin chart: ten minutes in 10-second buckets. */
const ACTIVITY_BUCKET_MS = 10_000;
const ACTIVITY_BUCKETS = 60;
const RECENT_ALERTS = 20;

// The error a request failed with, kept from `onError` for `onResponse` (which only sees the status).
const failures = new WeakMap<FastifyRequest, unknown>();

function errorCodeOf(request: FastifyRequest): string | undefined {
  const error = failures.get(request);
  return isGatehouseError(error) ? error.code : undefined;
}

function outcomeOf(status: number, errorCode: string | undefined): AttemptOutcome {
  if (status < 400) return 'success';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'error';
  // Credentials refused: a bad password, token or cookie (401), CSRF (403), a dead refresh token.
  if (
    status === 401 ||
    status === 403 ||
    errorCode === 'ERR_REFRESH_INVALID' ||
    errorCode === 'ERR_REFRESH_REUSED'
  )
    return 'rejected';
  return 'invalid';
}

interface Observed {
  detector: AnomalyDetector<AlertKind>;
  activity: ActivitySeries;
  recentAlerts: AnomalyAlert<AlertKind>[];
}

/**
 * Metrics, anomaly alerts and their two routes:
 * - hooks that count every auth attempt, time logins and refreshes, count 429s and refresh reuse,
 *   and feed failed logins and reuses to the anomaly detector;
 * - an alert is a counter (`gatehouse_alerts_total{kind}`), an `alert.raised` audit event and a
 *   warn log line;
 * - `GET /metrics` (Prometheus text; loopback only, or the configured bearer token);
 * - `GET /admin/stats` (admin role): the last ten minutes of outcomes and alerts, for the UI chart.
 * Call after the cookie plugin is registered. `metrics` defaults to a fresh set (no process metrics).
 */
export function registerMetrics(
  app: FastifyInstance,
  context: AppContext,
  metrics: GatehouseMetrics = createGatehouseMetrics(),
): void {
  const { auth } = context;
  const { alerts: alertSettings, metricsToken } = metrics.settings;
  const bucketMs = alertSettings.bucketSeconds * 1000;
  const rule = { bucketMs, baselineBuckets: alertSettings.baselineBuckets, factor: alertSettings.factor };
  const observed: Observed = {
    detector: createAnomalyDetector<AlertKind>({
      clock: auth.clock,
      rules: {
        login_failure_spike: { ...rule, minCount: alertSettings.loginFailureMinCount },
        refresh_reuse_burst: { ...rule, minCount: alertSettings.refreshReuseMinCount },
      },
    }),
    activity: createActivitySeries({
      clock: auth.clock,
      bucketMs: ACTIVITY_BUCKET_MS,
      length: ACTIVITY_BUCKETS,
    }),
    recentAlerts: [],
  };

  const countActiveSessions = () => auth.store.sessions.countActive(auth.clock.now());
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

  async function raise(alert: AnomalyAlert<AlertKind>, request: FastifyRequest): Promise<void> {
    metrics.alerts.inc({ kind: alert.kind });
    observed.activity.record('alerts');
    observed.recentAlerts.unshift(alert);
    observed.recentAlerts.length = Math.min(observed.recentAlerts.length, RECENT_ALERTS);
    const details = {
      kind: alert.kind,
      count: alert.count,
      baseline: alert.baseline,
      threshold: alert.threshold,
      bucketStart: toIsoTime(alert.bucketStart),
      bucketSeconds: alertSettings.bucketSeconds,
    };
    request.log.warn({ alert: details }, `anomaly alert: ${alert.kind}`);
    try {
      await auth.audit.record({ type: 'alert.raised', data: details });
    } catch (error) {
      request.log.error({ err: error }, 'could not audit an alert');
    }
  }

  async function observe(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const route = request.routeOptions.url;
    const status = reply.statusCode;
    const errorCode = errorCodeOf(request);
    if (status === 429) metrics.throttled.inc({ route: route ?? 'unmatched' });
    const endpoint = route === undefined ? undefined : AUTH_ENDPOINTS[route];
    if (endpoint === undefined) return;
    const outcome = outcomeOf(status, errorCode);
    metrics.attempts.inc({ endpoint, outcome });
    const elapsedSeconds = reply.elapsedTime / 1000;
    if (endpoint === 'login') {
      metrics.loginDuration.observe({ outcome }, elapsedSeconds);
      if (outcome === 'success') observed.activity.record('loginSuccess');
      else if (outcome === 'throttled') observed.activity.record('throttled');
      else observed.activity.record('loginFailure');
      // Only refused credentials make a spike: malformed bodies and 429s are other stories.
      if (status === 401) {
        const alert = observed.detector.record('login_failure_spike');
        if (alert) await raise(alert, request);
      }
    } else if (endpoint === 'refresh') {
      metrics.refreshDuration.observe({ outcome }, elapsedSeconds);
      if (outcome === 'success') observed.activity.record('refreshSuccess');
      else if (outcome === 'throttled') observed.activity.record('throttled');
      else observed.activity.record('refreshFailure');
    } else if (outcome === 'throttled') observed.activity.record('throttled');
    if (errorCode === 'ERR_REFRESH_REUSED') {
      metrics.refreshReuse.inc();
      const alert = observed.detector.record('refresh_reuse_burst');
      if (alert) await raise(alert, request);
    }
  }

  app.addHook('onError', async (request, _reply, error) => {
    failures.set(request, error);
  });
  app.addHook('onResponse', observe);

  app.register(async (scope) => {
    scope.get('/metrics', async (request, reply) => {
      const access = checkMetricsAccess(request, metricsToken);
      if (access === 'hidden') return reply.code(404).send({ error: 'not_found' });
      if (access === 'unauthorized') {
        return (
          reply
            .code(401)
            // RFC 6750 §3.1: no error code when the request carried no Bearer credentials at all.
            .header(
              'www-authenticate',
              /^bearer(?:\s|$)/i.test(request.headers.authorization ?? '')
                ? 'Bearer error="invalid_token"'
                : 'Bearer',
            )
            .send({ error: 'invalid_token' })
        );
      }
      const text = await metrics.registry.metrics();
      return reply.header('cache-control', 'no-store').type(metrics.registry.contentType).send(text);
    });

    // The same gate as every other admin route: a caller, then the admin role (refusals audited).
    const adminOnly = [context.authenticate, createRequireAdmin(context)];
    scope.get('/admin/stats', { onRequest: adminOnly }, async (request) => {
      let activeSessions: Record<Strategy, number> | null = null;
      try {
        activeSessions = await countActiveSessions();
      } catch (error) {
        request.log.warn({ err: error }, 'active sessions: store unavailable');
      }
      const status = (kind: AlertKind) => {
        const { bucketStart, ...rest } = observed.detector.status(kind);
        return { bucketStart: toIsoTime(bucketStart), ...rest };
      };
      return {
        now: toIsoTime(auth.clock.now()),
        bucketSeconds: ACTIVITY_BUCKET_MS / 1000,
        buckets: observed.activity
          .snapshot()
          .map(({ start, ...counts }) => ({ start: toIsoTime(start), ...counts })),
        alerts: observed.recentAlerts.map((alert) => ({
          kind: alert.kind,
          at: toIsoTime(alert.at),
          count: alert.count,
          baseline: alert.baseline,
          threshold: alert.threshold,
        })),
        detectors: {
          bucketSeconds: alertSettings.bucketSeconds,
          login_failure_spike: status('login_failure_spike'),
          refresh_reuse_burst: status('refresh_reuse_burst'),
        },
        activeSessions,
      };
    });
  });
}
