import type { Clock, Strategy } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { ACTIVITY_BUCKET_MS, type ActivityMonitor } from '../../../metrics/anomaly-alerts.ts';
import type { AlertKind } from '../../../metrics/gatehouse-metrics.ts';
import { toIsoTime } from '../../views.ts';

export interface AdminStatsOptions {
  monitor: ActivityMonitor;
  clock: Clock;
  /** Live sessions by strategy (the store's count); a failure leaves `activeSessions` null. */
  countActiveSessions: () => Promise<Record<Strategy, number>>;
  /** The detectors' bucket, in seconds (metrics settings). */
  alertBucketSeconds: number;
}

/** `GET /admin/stats`: the last ten minutes of outcomes and alerts, for the admin page's live chart. */
export function registerAdminStatsRoute(app: FastifyInstance, options: AdminStatsOptions): void {
  const { monitor, clock } = options;
  app.get('/admin/stats', async (request) => {
    let activeSessions: Record<Strategy, number> | null = null;
    try {
      activeSessions = await options.countActiveSessions();
    } catch (error) {
      request.log.warn({ err: error }, 'active sessions: store unavailable');
    }
    const figures = await monitor.figures(request.log);
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
        bucketSeconds: options.alertBucketSeconds,
        login_failure_spike: status('login_failure_spike'),
        refresh_reuse_burst: status('refresh_reuse_burst'),
      },
      activeSessions,
    };
  });
}
