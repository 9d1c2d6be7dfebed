import { isGatehouseError } from '@gatehouse/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ActivityMonitor } from './anomaly-alerts.ts';
import type { AttemptOutcome, GatehouseMetrics } from './gatehouse-metrics.ts';

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

/**
 * Hooks that count every auth attempt (the routes that declare an `authEndpoint` in their config,
 * http/route-config.ts), time logins and refreshes, count 429s and refresh reuse, and feed the
 * chart and the anomaly detector with failed logins and reuses.
 */
export function collectRequestMetrics(
  app: FastifyInstance,
  metrics: GatehouseMetrics,
  monitor: ActivityMonitor,
): void {
  async function observe(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const status = reply.statusCode;
    const errorCode = errorCodeOf(request);
    if (status === 429) metrics.throttled.inc({ route: request.routeOptions.url ?? 'unmatched' });
    const endpoint = request.routeOptions.config?.authEndpoint;
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
        monitor.record(name, request.log),
        status === 401 ? monitor.spike('login_failure_spike', request.log) : null,
      ]);
      if (alert) await monitor.raise(alert, request.log);
    } else if (endpoint === 'refresh') {
      metrics.refreshDuration.observe({ outcome }, elapsedSeconds);
      await monitor.record(
        outcome === 'success' ? 'refreshSuccess' : outcome === 'throttled' ? 'throttled' : 'refreshFailure',
        request.log,
      );
    } else if (outcome === 'throttled') await monitor.record('throttled', request.log);
    if (errorCode === 'ERR_REFRESH_REUSED') {
      metrics.refreshReuse.inc();
      const alert = await monitor.spike('refresh_reuse_burst', request.log);
      if (alert) await monitor.raise(alert, request.log);
    }
  }

  // A callback hook (nothing to wait for): no promise and microtask turn per failed request.
  app.addHook('onError', (request, _reply, error, done) => {
    failures.set(request, error);
    done();
  });
  app.addHook('onResponse', observe);
}
