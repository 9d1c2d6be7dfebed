import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { applyPostgresMigrations } from '../store/postgres/migrate.ts';
import { createPostgresPool } from '../store/postgres/pool.ts';
import { createTestSchemaName, dropTestSchema, testDatabaseUrl } from '../store/postgres/test-database.ts';
import { createTestKeyPrefix, deleteKeysWithPrefix, testRedisUrl } from '../store/redis/test-redis.ts';
import { createPostgresCounters, createRedisCounters, type SharedCounters } from './shared-counters.ts';
import { createSharedStats } from './shared-stats.ts';

const BUCKET_MS = 60_000;

/** Two instances' views of one set of counters, on one clock the test moves. */
function twoInstances(counters: [SharedCounters, SharedCounters]) {
  // Keys never meet another run's: a key prefix (Redis) or a schema (PostgreSQL) of its own.
  const clock = { t: Math.floor(Date.now() / BUCKET_MS) * BUCKET_MS + 1_000, now: () => clock.t };
  const rules = { login_failure_spike: { bucketMs: BUCKET_MS, baselineBuckets: 1, factor: 3, minCount: 7 } };
  const make = (shared: SharedCounters) =>
    createSharedStats({ clock, counters: shared, bucketMs: 10_000, length: 60, rules, cacheMs: 0 });
  return { clock, a: make(counters[0]), b: make(counters[1]) };
}

async function exercise(counters: [SharedCounters, SharedCounters]): Promise<void> {
  const { clock, a, b } = twoInstances(counters);
  // 20 failures at once, spread over both: one alert in all, at the 7th.
  const alerts = await Promise.all(
    Array.from({ length: 20 }, (_, index) => (index % 2 ? a : b).spike('login_failure_spike')),
  );
  const raised = alerts.filter((alert) => alert !== null);
  assert.equal(raised.length, 1, 'raised once for the deployment');
  assert.deepEqual([raised[0]!.count, raised[0]!.baseline, raised[0]!.threshold], [7, 0, 7]);
  for (const view of [a, b]) {
    const status = await view.status('login_failure_spike');
    assert.deepEqual([status.count, status.baseline, status.threshold], [20, 0, 7]);
  }
  // The next bucket's baseline is the 20 of the last one (one baseline bucket): the bar is 61.
  clock.t += BUCKET_MS;
  assert.equal((await b.status('login_failure_spike')).threshold, 61);
  assert.equal(await a.spike('login_failure_spike'), null);

  await Promise.all([a.record('loginFailure'), b.record('loginFailure'), b.record('loginSuccess')]);
  for (const view of [a, b]) {
    const buckets = await view.snapshot();
    assert.equal(buckets.length, 60);
    const last = buckets.at(-1)!;
    assert.deepEqual([last.loginFailure, last.loginSuccess, last.alerts], [2, 1, 0]);
    assert.ok(buckets.slice(0, -1).every((bucket) => bucket.loginFailure === 0));
  }
}

describe('shared stats over Redis', () => {
  const prefix = `${createTestKeyPrefix()}{stats}:`;
  const clients: Redis[] = [];
  before(() => {
    clients.push(new Redis(testRedisUrl), new Redis(testRedisUrl));
  });
  after(async () => {
    await deleteKeysWithPrefix(clients[0]!, prefix);
    for (const client of clients) client.disconnect();
  });

  it('count every instance, and raise a spread spike once', async () => {
    await exercise([createRedisCounters(clients[0]!, prefix), createRedisCounters(clients[1]!, prefix)]);
  });
});

describe('shared stats over PostgreSQL (the throttle table)', () => {
  const schema = createTestSchemaName();
  const pools: Pool[] = [];
  before(async () => {
    const url = new URL(testDatabaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    for (let index = 0; index < 2; index++) pools.push(createPostgresPool({ connectionString: url.href }));
    await applyPostgresMigrations(pools[0]!, schema);
  });
  after(async () => {
    for (const pool of pools) await pool.end();
    await dropTestSchema(schema);
  });

  it('count every instance, and raise a spread spike once', async () => {
    await exercise([createPostgresCounters(pools[0]!), createPostgresCounters(pools[1]!)]);
  });
});
