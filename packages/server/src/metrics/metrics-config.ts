import { bearerToken, decimal, integer } from '../config/parsers.ts';
import { defaultsOf, type SettingValues, setting } from '../config/setting.ts';

/** The metrics settings: rows of the settings table (`--help`, flags, docs), read by `config.ts`. */
export const metricsSettings = {
  /**
   * Bearer token for `GET /metrics`. Null: only direct loopback connections (no forwarding
   * headers) may scrape. Holds a secret: never log it.
   */
  metricsToken: setting<string | null>({
    env: 'GATEHOUSE_METRICS_TOKEN',
    flag: '--metrics-token',
    description:
      'Bearer token (>= 32 characters) that GET /metrics requires; prefer the env var. Unset: /metrics answers direct loopback connections only.',
    defaultText: '(unset)',
    secret: true,
    parse: bearerToken,
    fallback: null,
  }),
};

/** Thresholds of the anomaly alerts (see core `createAnomalyDetector`). */
export const alertSettings = {
  /** Width of one counting bucket. */
  bucketSeconds: setting({
    env: 'GATEHOUSE_ALERT_BUCKET_SECONDS',
    flag: '--alert-bucket-seconds',
    description: 'Anomaly alerts count events in buckets this wide (10-3600).',
    parse: integer(10, 3600),
    fallback: 60,
  }),
  /** Past buckets whose median is the baseline. */
  baselineBuckets: setting({
    env: 'GATEHOUSE_ALERT_BASELINE_BUCKETS',
    flag: '--alert-baseline-buckets',
    description: 'The baseline is the median of this many past buckets (1-1440).',
    parse: integer(1, 1440),
    fallback: 30,
  }),
  /** A bucket must exceed this many times the baseline... */
  factor: setting({
    env: 'GATEHOUSE_ALERT_FACTOR',
    flag: '--alert-factor',
    description: 'A bucket alerts when it exceeds this multiple of the baseline (1-1000, decimals allowed).',
    parse: decimal(1, 1000),
    fallback: 3,
  }),
  /** ...and hold at least this many failed logins (`login_failure_spike`)... */
  loginFailureMinCount: setting({
    env: 'GATEHOUSE_ALERT_LOGIN_FAILURES',
    flag: '--alert-login-failures',
    description: 'Failed logins a bucket must reach before a login_failure_spike alert (1-1000000).',
    parse: integer(1, 1_000_000),
    fallback: 20,
  }),
  /** ...or this many refresh-token reuses (`refresh_reuse_burst`). */
  refreshReuseMinCount: setting({
    env: 'GATEHOUSE_ALERT_REFRESH_REUSES',
    flag: '--alert-refresh-reuses',
    description: 'Refresh-token reuses a bucket must reach before a refresh_reuse_burst alert (1-1000000).',
    parse: integer(1, 1_000_000),
    fallback: 3,
  }),
};

export type AlertSettings = SettingValues<typeof alertSettings>;

export interface MetricsSettings extends SettingValues<typeof metricsSettings> {
  alerts: AlertSettings;
}

export const defaultAlertSettings: AlertSettings = defaultsOf(alertSettings);

export const defaultMetricsSettings: MetricsSettings = {
  ...defaultsOf(metricsSettings),
  alerts: defaultAlertSettings,
};
