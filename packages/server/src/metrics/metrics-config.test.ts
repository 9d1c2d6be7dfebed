import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, formatSettingsHelp, loadConfig } from '../config.ts';
import { defaultMetricsSettings } from './metrics-config.ts';

const TOKEN = 'a-metrics-token-of-at-least-32-characters';

describe('metrics and alert settings', () => {
  it('default: no token (loopback only) and the documented thresholds', () => {
    assert.deepEqual(loadConfig({}).metrics, defaultMetricsSettings);
    assert.deepEqual(defaultMetricsSettings.alerts, {
      bucketSeconds: 60,
      baselineBuckets: 30,
      factor: 3,
      loginFailureMinCount: 20,
      refreshReuseMinCount: 3,
    });
  });

  it('reads every setting from the environment, and flags win', () => {
    const config = loadConfig(
      {
        GATEHOUSE_METRICS_TOKEN: TOKEN,
        GATEHOUSE_ALERT_BUCKET_SECONDS: '30',
        GATEHOUSE_ALERT_BASELINE_BUCKETS: '10',
        GATEHOUSE_ALERT_FACTOR: '2.5',
        GATEHOUSE_ALERT_LOGIN_FAILURES: '50',
        GATEHOUSE_ALERT_REFRESH_REUSES: '1',
      },
      ['--alert-factor', '4'],
    );
    assert.deepEqual(config.metrics, {
      metricsToken: TOKEN,
      alerts: {
        bucketSeconds: 30,
        baselineBuckets: 10,
        factor: 4,
        loginFailureMinCount: 50,
        refreshReuseMinCount: 1,
      },
    });
  });

  it('refuses bad values, naming the setting and never echoing the token', () => {
    const cases: [Record<string, string>, string][] = [
      [{ GATEHOUSE_METRICS_TOKEN: 'short' }, 'GATEHOUSE_METRICS_TOKEN'],
      [{ GATEHOUSE_METRICS_TOKEN: `${TOKEN} with spaces` }, 'GATEHOUSE_METRICS_TOKEN'],
      [{ GATEHOUSE_ALERT_BUCKET_SECONDS: '5' }, 'GATEHOUSE_ALERT_BUCKET_SECONDS'],
      [{ GATEHOUSE_ALERT_BUCKET_SECONDS: '60s' }, 'GATEHOUSE_ALERT_BUCKET_SECONDS'],
      [{ GATEHOUSE_ALERT_BASELINE_BUCKETS: '0' }, 'GATEHOUSE_ALERT_BASELINE_BUCKETS'],
      [{ GATEHOUSE_ALERT_FACTOR: '0.5' }, 'GATEHOUSE_ALERT_FACTOR'],
      [{ GATEHOUSE_ALERT_FACTOR: '1e3' }, 'GATEHOUSE_ALERT_FACTOR'],
      [{ GATEHOUSE_ALERT_FACTOR: '-2' }, 'GATEHOUSE_ALERT_FACTOR'],
      [{ GATEHOUSE_ALERT_LOGIN_FAILURES: '0' }, 'GATEHOUSE_ALERT_LOGIN_FAILURES'],
      [{ GATEHOUSE_ALERT_REFRESH_REUSES: 'many' }, 'GATEHOUSE_ALERT_REFRESH_REUSES'],
    ];
    for (const [env, setting] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error) =>
          error instanceof ConfigError && error.setting === setting && !error.message.includes('short'),
        JSON.stringify(env),
      );
    }
  });

  it('lists the settings in --help', () => {
    const help = formatSettingsHelp();
    for (const flag of [
      '--metrics-token',
      '--alert-bucket-seconds',
      '--alert-factor',
      '--alert-login-failures',
    ])
      assert.ok(help.includes(flag), flag);
  });
});
