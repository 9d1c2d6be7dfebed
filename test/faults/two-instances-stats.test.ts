/**
 * Issue 10, "many auth servers": `/admin/stats` and the anomaly detector count every instance.
 * Two auth servers on one PostgreSQL schema, with Redis (counters there) and without (counters in
 * the PostgreSQL throttle table). Failed logins spread over both show in the stats read from either,
 * and a spike that neither instance would see alone (half of it each) raises one alert, once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '@gatehouse/server';
import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { readSample } from '../../packages/server/src/metrics/read-sample.ts';
import { uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import {
  createFaultSchema,
  type FaultServer,
  KEK,
  KEY,
  PASSWORD,
  startFaultServer,
  timedRequest,
} from './support.ts';

/** The alert threshold for the test: each instance gets half of the failures, under it. */
const SPIKE = 6;

interface Stats {
  buckets: Array<{ loginFailure: number; loginSuccess: number; alerts: number }>;
  alerts: Array<{ kind: string; count: number; threshold: number }>;
  detectors: { login_failure_spike: { count: number; threshold: number } };
}

for (const backend of ['redis', 'postgres'] as const) {
  describe(`faults: /admin/stats and alerts across two instances (counters in ${backend})`, {
    timeout: 120_000,
  }, () => {
    let redis: TestRedisServer | undefined;
    let database: Awaited<ReturnType<typeof createFaultSchema>>;
    const instances: FaultServer[] = [];
    let adminToken = '';

    before(async () => {
      database = await createFaultSchema();
      const env: Record<string, string> = {
        DATABASE_URL: database.urlVia(5432),
        GATEHOUSE_ALERT_LOGIN_FAILURES: String(SPIKE),
      };
      if (backend === 'redis') {
        redis = await startTestRedisServer();
        env.REDIS_URL = redis.url;
      }
      instances.push(await startFaultServer(env));
      instances.push(await startFaultServer(env));
      const email = uniqueEmail('stats-admin');
      const err: string[] = [];
      const code = await runCli(['admin', 'create', '--email', email], {
        env: {
          ...env,
          GATEHOUSE_CSRF_SECRET: KEY,
          GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
          GATEHOUSE_ADMIN_PASSWORD: PASSWORD,
        },
        readStdin: async () => '',
        out: () => {},
        err: (line) => err.push(line),
      });
      assert.equal(code, 0, err.join('\n'));
      const login = await timedRequest(instances[0]!.url, 'POST', '/auth/login', {
        body: { email, password: PASSWORD, strategy: 'token' },
      });
      assert.equal(login.status, 200);
      adminToken = (login.body as { accessToken: string }).accessToken;
    });

    after(async () => {
      for (const instance of instances) await instance.close().catch(() => {});
      await database?.drop();
      await redis?.stop();
    });

    const stats = async (instance: FaultServer): Promise<Stats> => {
      const reply = await timedRequest(instance.url, 'GET', '/admin/stats', {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.equal(reply.status, 200);
      return reply.body as Stats;
    };
    const total = (figures: Stats, name: 'loginFailure' | 'loginSuccess' | 'alerts') =>
      figures.buckets.reduce((sum, bucket) => sum + bucket[name], 0);

    it('failed logins on A and on B show in the stats read from either, and half a spike on each raises one alert', async () => {
      // All the failures in one detector bucket (a minute): start early in one.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 40_000) await sleep(60_000 - intoMinute + 200);
      for (let attempt = 0; attempt < SPIKE; attempt++) {
        const reply = await timedRequest(instances[attempt % 2]!.url, 'POST', '/auth/login', {
          // A new unknown account each time: no account lock, the same 401 as a wrong password.
          body: { email: uniqueEmail('nobody'), password: 'wrong but long enough', strategy: 'token' },
        });
        assert.equal(reply.status, 401);
      }
      for (const [index, instance] of instances.entries()) {
        const figures = await waitFor(
          `instance ${index} to show all ${SPIKE} failures and the alert`,
          async () => {
            const figures = await stats(instance);
            return total(figures, 'loginFailure') >= SPIKE && total(figures, 'alerts') >= 1
              ? figures
              : undefined;
          },
        );
        assert.equal(total(figures, 'loginFailure'), SPIKE, `instance ${index}: failures of both`);
        assert.equal(total(figures, 'loginSuccess'), 1, `instance ${index}: the admin's login on A`);
        assert.equal(figures.detectors.login_failure_spike.count, SPIKE, `instance ${index}: detector count`);
        assert.deepEqual(
          figures.alerts.map((alert) => [alert.kind, alert.count, alert.threshold]),
          [['login_failure_spike', SPIKE, SPIKE]],
          `instance ${index}: one alert, raised by whichever instance saw the ${SPIKE}th failure`,
        );
        assert.equal(total(figures, 'alerts'), 1, `instance ${index}: charted once`);
      }
      // Raised exactly once in all: the Prometheus counters of the two instances add up to 1.
      let raised = 0;
      for (const instance of instances) {
        const scrape = await timedRequest(instance.url, 'GET', '/metrics');
        raised +=
          readSample(String(scrape.body), 'gatehouse_alerts_total', { kind: 'login_failure_spike' }) ?? 0;
      }
      assert.equal(raised, 1);
    });

    it('with the counters store down, logins still answer and the stats fall back to this instance', {
      skip: backend !== 'redis' && 'the PostgreSQL case is the store itself (postgres-outage.test.ts)',
    }, async () => {
      await redis!.kill();
      const reply = await timedRequest(instances[0]!.url, 'POST', '/auth/login', {
        body: { email: uniqueEmail('nobody'), password: 'wrong but long enough', strategy: 'token' },
      });
      assert.equal(reply.status, 401);
      assert.ok(reply.ms < 2_000, `login took ${reply.ms.toFixed(0)} ms`);
      // A's own memory: its half of the spike and this one (once the 1 s cache of shared figures is past).
      await waitFor('instance A to answer from its own counts', async () => {
        const figures = await stats(instances[0]!);
        return total(figures, 'loginFailure') === SPIKE / 2 + 1 ? true : undefined;
      });
    });
  });
}
