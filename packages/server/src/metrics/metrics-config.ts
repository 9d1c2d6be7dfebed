import type { SettingSpec } from '../setting-spec.ts';

/** Thresholds of the anomaly alerts (see core `createAnomalyDetector`). */
export interface AlertSettings {
  /** Width of one counting bucket. */
  bucketSeconds: number;
  /** Past buckets whose median is the baseline. */
  baselineBuckets: number;
  /** A bucket must exceed this many times the baseline... */
  factor: number;
  /** ...and hold at least this many failed logins (`login_failure_spike`)... */
  loginFailureMinCount: number;
  /** ...or this many refresh-token reuses (`refresh_reuse_burst`). */
  refreshReuseMinCount: number;
}

export interface MetricsSettings {
  /**
   * Bearer token for `GET /metrics`. Null: only direct loopback connections (no forwarding
   * headers) may scrape. Holds a secret: never log it.
   */
  metricsToken: string | null;
  alerts: AlertSettings;
}

export const defaultAlertSettings: AlertSettings = {
  bucketSeconds: 60,
  baselineBuckets: 30,
  factor: 3,
  loginFailureMinCount: 20,
  refreshReuseMinCount: 3,
};

export const defaultMetricsSettings: MetricsSettings = { metricsToken: null, alerts: defaultAlertSettings };

/** The rows `config.ts` adds to its settings table (`--help`, flag parsing). */
export const metricsSettingSpecs: readonly SettingSpec[] = [
  {
    env: 'GATEHOUSE_METRICS_TOKEN',
    flag: '--metrics-token',
    description:
      'Bearer token (>= 32 characters) that GET /metrics requires; prefer the env var. Unset: /metrics answers direct loopback connections only.',
    defaultText: '(unset)',
    secret: true,
  },
  {
    env: 'GATEHOUSE_ALERT_BUCKET_SECONDS',
    flag: '--alert-bucket-seconds',
    description: 'Anomaly alerts count events in buckets this wide (10-3600).',
    defaultText: String(defaultAlertSettings.bucketSeconds),
  },
  {
    env: 'GATEHOUSE_ALERT_BASELINE_BUCKETS',
    flag: '--alert-baseline-buckets',
    description: 'The baseline is the median of this many past buckets (1-1440).',
    defaultText: String(defaultAlertSettings.baselineBuckets),
  },
  {
    env: 'GATEHOUSE_ALERT_FACTOR',
    flag: '--alert-factor',
    description: 'A bucket alerts when it exceeds this multiple of the baseline (1-1000, decimals allowed).',
    defaultText: String(defaultAlertSettings.factor),
  },
  {
    env: 'GATEHOUSE_ALERT_LOGIN_FAILURES',
    flag: '--alert-login-failures',
    description: 'Failed logins a bucket must reach before a login_failure_spike alert (1-1000000).',
    defaultText: String(defaultAlertSettings.loginFailureMinCount),
  },
  {
    env: 'GATEHOUSE_ALERT_REFRESH_REUSES',
    flag: '--alert-refresh-reuses',
    description: 'Refresh-token reuses a bucket must reach before a refresh_reuse_burst alert (1-1000000).',
    defaultText: String(defaultAlertSettings.refreshReuseMinCount),
  },
];

type Read = (name: string) => string | undefined;
type Fail = (setting: string, message: string) => Error;

/**
 * Parses the metrics and alert settings. `read` gives a setting's value (flag or env, blank as
 * undefined); `fail` builds the caller's error type. Secret values are never quoted back.
 */
export function parseMetricsSettings(read: Read, fail: Fail): MetricsSettings {
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const text = read(name)?.trim();
    if (text === undefined) return fallback;
    if (!/^\d{1,15}$/.test(text)) throw fail(name, `${name} must be a whole number`);
    const value = Number(text);
    if (value < min || value > max) throw fail(name, `${name} must be between ${min} and ${max}`);
    return value;
  };
  const decimal = (name: string, fallback: number, min: number, max: number): number => {
    const text = read(name)?.trim();
    if (text === undefined) return fallback;
    if (!/^\d{1,6}(\.\d{1,6})?$/.test(text)) throw fail(name, `${name} must be a number like 3 or 2.5`);
    const value = Number(text);
    if (value < min || value > max) throw fail(name, `${name} must be between ${min} and ${max}`);
    return value;
  };

  const metricsToken = read('GATEHOUSE_METRICS_TOKEN')?.trim() ?? null;
  // Compared as a bearer secret: a short one could be guessed online.
  if (metricsToken !== null && (metricsToken.length < 32 || /\s/.test(metricsToken)))
    throw fail(
      'GATEHOUSE_METRICS_TOKEN',
      'GATEHOUSE_METRICS_TOKEN must be at least 32 characters, no spaces',
    );

  const d = defaultAlertSettings;
  return {
    metricsToken,
    alerts: {
      bucketSeconds: integer('GATEHOUSE_ALERT_BUCKET_SECONDS', d.bucketSeconds, 10, 3600),
      baselineBuckets: integer('GATEHOUSE_ALERT_BASELINE_BUCKETS', d.baselineBuckets, 1, 1440),
      factor: decimal('GATEHOUSE_ALERT_FACTOR', d.factor, 1, 1000),
      loginFailureMinCount: integer('GATEHOUSE_ALERT_LOGIN_FAILURES', d.loginFailureMinCount, 1, 1_000_000),
      refreshReuseMinCount: integer('GATEHOUSE_ALERT_REFRESH_REUSES', d.refreshReuseMinCount, 1, 1_000_000),
    },
  };
}
