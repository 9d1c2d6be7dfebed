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
import { type ActivityName, type ActivitySeries, createActivitySeries } from './activity-series.ts';
import {
  type AlertKind,
  AUTH_ENDPOINTS,
  type AttemptOutcome,
  createGatehouseMetrics,
  type GatehouseMetrics,
} from './gatehouse-metrics.ts';
import { checkMetricsAccess } from './metrics-access.ts';
import { createSharedStats, type SharedStats } from './shared-stats.ts';

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
  /** All instances together (counters in Redis or PostgreSQL); null: this process only. */
  shared: SharedStats<AlertKind> | null;
}

/**
 * Metrics, anomaly alerts and their two routes:
 * - hooks that count every auth attempt, time logins and refreshes, count 429s and refresh reuse,
 *   and feed failed logins and reuses to the anomaly detector;
 * - an alert is a counter (`gatehouse_alerts_total{kind}`), an `alert.raised` audit event and a
 *   warn log line;
 * - `GET /metrics` (Prometheus text; loopback only, or the configured bearer token);
 * - `GET /admin/stats` (admin role): the last ten minutes of outcomes and alerts, for the UI chart.
 * With `metrics.sharedCounters` (Redis or PostgreSQL, as the throttles), the chart and the detector
 * count every instance of the deployment: each counted event is one increment there, written after
 * the reply; should that store fail, this instance's own counts stand in.
 * Call after the cookie plugin is registered. `metrics` defaults to a fresh set (no process metrics).
 */
export function registerMetrics(
  app: FastifyInstance,
  context: AppContext,
  metrics: GatehouseMetrics = createGatehouseMetrics(),
): void {
  const { clock, store, audit } = context;
  const { alerts: alertSettings, metricsToken } = metrics.settings;
  const bucketMs = alertSettings.bucketSeconds * 1000;
  const rule = { bucketMs, baselineBuckets: alertSettings.baselineBuckets, factor: alertSettings.factor };
  const rules = {
    login_failure_spike: { ...rule, minCount: alertSettings.loginFailureMinCount },
    refresh_reuse_burst: { ...rule, minCount: alertSettings.refreshReuseMinCount },
  };
  const observed: Observed = {
    detector: createAnomalyDetector<AlertKind>({ clock, rules }),
    activity: createActivitySeries({
      clock,
      bucketMs: ACTIVITY_BUCKET_MS,
      length: ACTIVITY_BUCKETS,
    }),
    recentAlerts: [],
    shared: metrics.sharedCounters
      ? createSharedStats<AlertKind>({
          clock,
          counters: metrics.sharedCounters,
          bucketMs: ACTIVITY_BUCKET_MS,
          length: ACTIVITY_BUCKETS,
          rules,
        })
      : null,
  };
  const warnShared = (request: FastifyRequest, error: unknown) =>
    request.log.warn({ err: error }, 'shared stats unavailable: counting this instance only');

  /** One event for the chart: here, and in the shared counters when there are some. */
  async function record(name: ActivityName, request: FastifyRequest): Promise<void> {
    observed.activity.record(name);
    await observed.shared?.record(name).catch((error) => warnShared(request, error));
  }

  /** One event for the detector: all instances together, or this one alone. */
  async function spike(kind: AlertKind, request: FastifyRequest): Promise<AnomalyAlert<AlertKind> | null> {
    const local = observed.detector.record(kind);
    if (!observed.shared) return local;
    try {
      return await observed.shared.spike(kind);
    } catch (error) {
      warnShared(request, error);
      return local;
    }
  }

  const countActiveSessions = () => store.sessions.countActive(clock.now());
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
    await record('alerts', request);
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
      await audit.record({ type: 'alert.raised', data: details });
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
      const name =
        outcome === 'success' ? 'loginSuccess' : outcome === 'throttled' ? 'throttled' : 'loginFailure';
      // Only refused credentials make a spike: malformed bodies and 429s are other stories.
      const [, alert] = await Promise.all([
        record(name, request),
        status === 401 ? spike('login_failure_spike', request) : null,
      ]);
      if (alert) await raise(alert, request);
    } else if (endpoint === 'refresh') {
      metrics.refreshDuration.observe({ outcome }, elapsedSeconds);
      await record(
        outcome === 'success' ? 'refreshSuccess' : outcome === 'throttled' ? 'throttled' : 'refreshFailure',
        request,
      );
    } else if (outcome === 'throttled') await record('throttled', request);
    if (errorCode === 'ERR_REFRESH_REUSED') {
      metrics.refreshReuse.inc();
      const alert = await spike('refresh_reuse_burst', request);
      if (alert) await raise(alert, request);
    }
  }

  /** The shared figures (alerts from the audit log, where every instance records them), or null. */
  async function readShared(request: FastifyRequest) {
    const { shared } = observed;
    if (!shared) return null;
    try {
      const [buckets, events, loginStatus, reuseStatus] = await Promise.all([
        shared.snapshot(),
        store.audit.query({ type: 'alert.raised', limit: RECENT_ALERTS }),
        shared.status('login_failure_spike'),
        shared.status('refresh_reuse_burst'),
      ]);
      const alerts = events.map((event) => ({
        kind: String(event.data.kind),
        at: event.at,
        count: Number(event.data.count),
        baseline: Number(event.data.baseline),
        threshold: Number(event.data.threshold),
      }));
      return { buckets, alerts, login_failure_spike: loginStatus, refresh_reuse_burst: reuseStatus };
    } catch (error) {
      warnShared(request, error);
      return null;
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
      const figures = (await readShared(request)) ?? {
        buckets: observed.activity.snapshot(),
        alerts: observed.recentAlerts,
        login_failure_spike: observed.detector.status('login_failure_spike'),
        refresh_reuse_burst: observed.detector.status('refresh_reuse_burst'),
      };
      const status = (kind: AlertKind) => {
        const { bucketStart, ...rest } = figures[kind];
        return { bucketStart: toIsoTime(bucketStart), ...rest };
      };
      return {
        now: toIsoTime(clock.now()),
        bucketSeconds: ACTIVITY_BUCKET_MS / 1000,
        buckets: figures.buckets.map(({ start, ...counts }) => ({ start: toIsoTime(start), ...counts })),
        alerts: figures.alerts.map((alert) => ({
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
