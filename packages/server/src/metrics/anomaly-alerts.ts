import {
  type AnomalyAlert,
  type AnomalyRule,
  type AuditLog,
  type AuditStore,
  type Clock,
  createAnomalyDetector,
} from '@gatehouse/core';
import type { FastifyBaseLogger } from 'fastify';
import { toIsoTime } from '../http/views.ts';
import { type ActivityBucket, type ActivityName, createActivitySeries } from './activity-series.ts';
import type { AlertKind, GatehouseMetrics } from './gatehouse-metrics.ts';
import { createSharedStats, type DetectorStatus, type SharedStats } from './shared-stats.ts';

/** The admin chart: ten minutes in 10-second buckets. */
export const ACTIVITY_BUCKET_MS = 10_000;
const ACTIVITY_BUCKETS = 60;
const RECENT_ALERTS = 20;

export interface ActivityMonitorOptions {
  clock: Clock;
  /** Where an alert is recorded (`alert.raised`). */
  audit: AuditLog;
  /** Where every instance's `alert.raised` events are read back, for the shared figures. */
  auditEvents: Pick<AuditStore, 'query'>;
  metrics: GatehouseMetrics;
}

/** What `/admin/stats` shows: the chart's buckets, the recent alerts and each detector's state. */
export interface ActivityFigures {
  buckets: ActivityBucket[];
  alerts: { kind: string; at: number; count: number; baseline: number; threshold: number }[];
  login_failure_spike: DetectorStatus;
  refresh_reuse_burst: DetectorStatus;
}

/** An alert as logged and audited (`alert.raised`). */
function alertView(alert: AnomalyAlert<AlertKind>) {
  const { kind, count, baseline, threshold } = alert;
  return { kind, count, baseline, threshold, bucketStart: toIsoTime(alert.bucketStart) };
}

/** The detectors' rules, from the metrics settings. */
function alertRules(settings: GatehouseMetrics['settings']['alerts']): Record<AlertKind, AnomalyRule> {
  const rule = {
    bucketMs: settings.bucketSeconds * 1000,
    baselineBuckets: settings.baselineBuckets,
    factor: settings.factor,
  };
  return {
    login_failure_spike: { ...rule, minCount: settings.loginFailureMinCount },
    refresh_reuse_burst: { ...rule, minCount: settings.refreshReuseMinCount },
  };
}

/** Every instance's figures: the shared counters, and the alerts from the audit log where all record them. */
async function readSharedFigures(
  shared: SharedStats<AlertKind>,
  auditEvents: Pick<AuditStore, 'query'>,
): Promise<ActivityFigures> {
  const [buckets, events, loginStatus, reuseStatus] = await Promise.all([
    shared.snapshot(),
    auditEvents.query({ type: 'alert.raised', limit: RECENT_ALERTS }),
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
}

/**
 * The live activity chart and the anomaly alerts. An alert is a counter
 * (`gatehouse_alerts_total{kind}`), an `alert.raised` audit event and a warn log line. With
 * `metrics.sharedCounters` (Redis or PostgreSQL, as the throttles), the chart and the detector
 * count every instance of the deployment: each counted event is one increment there; should that
 * store fail, this instance's own counts stand in.
 */
export function createActivityMonitor(options: ActivityMonitorOptions) {
  const { clock, audit, auditEvents, metrics } = options;
  const alertSettings = metrics.settings.alerts;
  const rules = alertRules(alertSettings);
  const detector = createAnomalyDetector<AlertKind>({ clock, rules });
  const activity = createActivitySeries({ clock, bucketMs: ACTIVITY_BUCKET_MS, length: ACTIVITY_BUCKETS });
  const recentAlerts: AnomalyAlert<AlertKind>[] = [];
  const series = { clock, bucketMs: ACTIVITY_BUCKET_MS, length: ACTIVITY_BUCKETS, rules };
  const shared = metrics.sharedCounters
    ? createSharedStats<AlertKind>({ ...series, counters: metrics.sharedCounters })
    : null;
  const warnShared = (log: FastifyBaseLogger, error: unknown) =>
    log.warn({ err: error }, 'shared stats unavailable: counting this instance only');

  const monitor = {
    /** One event for the chart: here, and in the shared counters when there are some. */
    async record(name: ActivityName, log: FastifyBaseLogger): Promise<void> {
      activity.record(name);
      await shared?.record(name).catch((error) => warnShared(log, error));
    },

    /** One event for the detector: all instances together, or this one alone. The alert, if due. */
    async spike(kind: AlertKind, log: FastifyBaseLogger): Promise<AnomalyAlert<AlertKind> | null> {
      const local = detector.record(kind);
      if (!shared) return local;
      try {
        return await shared.spike(kind);
      } catch (error) {
        warnShared(log, error);
        return local;
      }
    },

    /** Counts, audits and logs an alert. */
    async raise(alert: AnomalyAlert<AlertKind>, log: FastifyBaseLogger): Promise<void> {
      metrics.alerts.inc({ kind: alert.kind });
      recentAlerts.unshift(alert);
      recentAlerts.length = Math.min(recentAlerts.length, RECENT_ALERTS);
      const details = { ...alertView(alert), bucketSeconds: alertSettings.bucketSeconds };
      log.warn({ alert: details }, `anomaly alert: ${alert.kind}`);
      try {
        await audit.record({ type: 'alert.raised', data: details });
      } catch (error) {
        log.error({ err: error }, 'could not audit an alert');
      }
      // Counted once audited: an instance that sees the shared count also finds the alert it lists.
      await monitor.record('alerts', log);
    },

    /** The figures of `/admin/stats`: every instance's when shared (and readable), otherwise this one's. */
    async figures(log: FastifyBaseLogger): Promise<ActivityFigures> {
      if (shared) {
        try {
          return await readSharedFigures(shared, auditEvents);
        } catch (error) {
          warnShared(log, error);
        }
      }
      return {
        buckets: activity.snapshot(),
        alerts: recentAlerts,
        login_failure_spike: detector.status('login_failure_spike'),
        refresh_reuse_burst: detector.status('refresh_reuse_burst'),
      };
    },
  };
  return monitor;
}

export type ActivityMonitor = ReturnType<typeof createActivityMonitor>;
