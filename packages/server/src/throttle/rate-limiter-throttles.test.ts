import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, it, mock } from 'node:test';
import { defaultThrottlePolicy, type ThrottlePolicy, type ThrottleVerdict } from '@gatehouse/core';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createPostgresPool } from '../store/postgres/pool.ts';
import { openPostgresStore } from '../store/postgres/postgres-store.ts';
import { createTestSchemaName, dropTestSchema, testDatabaseUrl } from '../store/postgres/test-database.ts';
import { createTestKeyPrefix, deleteKeysWithPrefix, testRedisUrl } from '../store/redis/test-redis.ts';
import type { LimiterBackend } from './limiter-backend.ts';
import { createRateLimiterThrottles } from './rate-limiter-throttles.ts';

const SECOND = 1000;

/** Small numbers, whole seconds: Redis counts in whole seconds of its own clock. */
const policy: ThrottlePolicy = {
  ...defaultThrottlePolicy,
  loginAccount: {
    freeFailures: 2,
    baseLockSeconds: 1,
    maxLockSeconds: 2,
    maxFailuresPerHour: 100,
    failureMemorySeconds: 3600,
  },
  // Two seconds, so a slow run cannot see a Redis window end between two steps of one test.
  loginIp: { limit: 3, windowSeconds: 2 },
};
const WINDOW_MS = 2 * SECOND;

function assertRefused(verdict: ThrottleVerdict, maxMs: number, firstRefusal = false): void {
  assert.equal(verdict.allowed, false);
  if (verdict.allowed) return;
  assert.ok(
    verdict.retryAfterMs > 0 && verdict.retryAfterMs <= maxMs,
    `retryAfterMs ${verdict.retryAfterMs}`,
  );
  assert.equal(verdict.firstRefusal, firstRefusal);
}

interface BackendHarness {
  backend: LimiterBackend;
  keyPrefix: string;
  /** Moves the backend's clock on (mocked Date, or real time for Redis). */
  advance(ms: number): Promise<void>;
}

/** The same behaviour on every backend rate-limiter-flexible runs on here. */
function describeBackend(name: string, harness: () => BackendHarness) {
  describe(`rate-limiter throttles on ${name}`, () => {
    const make = (overrides: Partial<ThrottlePolicy> = {}) => {
      const { backend, keyPrefix } = harness();
      return createRateLimiterThrottles({ backend, keyPrefix, policy: { ...policy, ...overrides } });
    };
    const key = () => randomBytes(8).toString('hex');

    it('window: allows the limit, refuses the next (the first refusal flagged), until the window ends', async () => {
      const { loginIp } = make();
      const ip = key();
      for (let attempt = 0; attempt < 3; attempt++)
        assert.deepEqual(await loginIp.consume(ip), { allowed: true });
      assert.deepEqual(await loginIp.check(ip), { allowed: true }, 'at the limit, not past it');
      assertRefused(await loginIp.consume(ip), WINDOW_MS, true);
      assertRefused(await loginIp.consume(ip), WINDOW_MS, false);
      assertRefused(await loginIp.check(ip), WINDOW_MS);
      assert.deepEqual(await loginIp.consume(key()), { allowed: true }, 'other keys are untouched');
      await harness().advance(WINDOW_MS);
      assert.deepEqual(await loginIp.check(ip), { allowed: true }, 'the window is over at its very end');
      assert.deepEqual(await loginIp.consume(ip), { allowed: true });
    });

    it('window: refund gives one attempt back, reset all of them', async () => {
      const { loginIp } = make();
      const ip = key();
      for (let attempt = 0; attempt < 3; attempt++) await loginIp.consume(ip);
      await loginIp.refund(ip);
      assert.deepEqual(await loginIp.consume(ip), { allowed: true });
      assertRefused(await loginIp.consume(ip), WINDOW_MS, true);
      await loginIp.reset(ip);
      assert.deepEqual(await loginIp.consume(ip), { allowed: true });
    });

    it('backoff: free failures, then a lock that doubles up to the cap; reset clears it', async () => {
      const { loginAccount } = make();
      const account = key();
      for (let attempt = 0; attempt < 2; attempt++)
        assert.deepEqual(await loginAccount.consume(account), { allowed: true });
      assert.deepEqual(
        await loginAccount.consume(account),
        { allowed: true },
        'the third try opens a 1 s lock',
      );
      assertRefused(await loginAccount.check(account), SECOND);
      assertRefused(await loginAccount.consume(account), SECOND);
      await harness().advance(SECOND);
      assert.deepEqual(await loginAccount.consume(account), { allowed: true }, 'then a 2 s lock');
      assertRefused(await loginAccount.consume(account), 2 * SECOND);
      await harness().advance(2 * SECOND);
      assert.deepEqual(await loginAccount.consume(account), { allowed: true }, 'capped at 2 s');
      assertRefused(await loginAccount.consume(account), 2 * SECOND);
      await loginAccount.reset(account);
      assert.deepEqual(await loginAccount.check(account), { allowed: true });
      for (let attempt = 0; attempt < 3; attempt++)
        assert.deepEqual(await loginAccount.consume(account), { allowed: true });
    });

    it('backoff: of 20 parallel attempts only the free ones and one more get through', async () => {
      const { loginAccount } = make();
      const account = key();
      const verdicts = await Promise.all(Array.from({ length: 20 }, () => loginAccount.consume(account)));
      assert.equal(verdicts.filter((verdict) => verdict.allowed).length, 3);
    });

    it('backoff: never more than maxFailuresPerHour attempts in an hour, however long the free run', async () => {
      const { loginAccount } = make({
        loginAccount: { ...policy.loginAccount, freeFailures: 50, maxFailuresPerHour: 3 },
      });
      const account = key();
      for (let attempt = 0; attempt < 3; attempt++)
        assert.deepEqual(await loginAccount.consume(account), { allowed: true });
      const refused = await loginAccount.consume(account);
      assertRefused(refused, 3600 * SECOND);
      assert.ok(!refused.allowed && refused.retryAfterMs > 3590 * SECOND, 'until the hour is over');
    });
  });
}

describe('memory backend (Date mocked)', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 0, 1) }));
  afterEach(() => mock.timers.reset());
  describeBackend('memory', () => ({
    backend: { kind: 'memory' },
    keyPrefix: 'test:',
    advance: async (ms) => mock.timers.tick(ms),
  }));
});

describe('PostgreSQL backend (Date mocked: rate-limiter-flexible stamps rows with it)', () => {
  const schema = createTestSchemaName();
  let pool: Pool;
  before(async () => {
    // Opening the store applies the migrations, throttle_counters included.
    await (await openPostgresStore({ connectionString: testDatabaseUrl, schema })).close();
    pool = createPostgresPool({ connectionString: testDatabaseUrl, schema, poolSize: 4 });
  });
  after(async () => {
    await pool.end();
    await dropTestSchema(schema);
  });
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 0, 1) }));
  afterEach(() => mock.timers.reset());
  describeBackend('postgres', () => ({
    backend: { kind: 'postgres', pool },
    keyPrefix: 'test:',
    advance: async (ms) => mock.timers.tick(ms),
  }));
});

describe('Redis backend (real time: Redis expires the counters by its own clock)', () => {
  const keyPrefix = createTestKeyPrefix();
  let client: Redis;
  before(async () => {
    client = new Redis(testRedisUrl);
  });
  after(async () => {
    await deleteKeysWithPrefix(client, keyPrefix);
    await client.quit();
  });
  describeBackend('redis', () => ({
    backend: { kind: 'redis', client },
    keyPrefix,
    // Redis keeps whole-second TTLs; a little slack for the round trips.
    advance: (ms) => sleep(ms + 150),
  }));

  it('keeps every counter under the key prefix, with a TTL', async () => {
    const throttles = createRateLimiterThrottles({ backend: { kind: 'redis', client }, keyPrefix, policy });
    await throttles.loginIp.consume('198.51.100.9');
    const ttl = await client.pttl(`${keyPrefix}login-ip:198.51.100.9`);
    assert.ok(ttl > 0 && ttl <= WINDOW_MS, String(ttl));
  });

  it('falls back to counting in memory when Redis is unreachable, instead of failing', async () => {
    const broken = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    broken.on('error', () => {});
    try {
      const throttles = createRateLimiterThrottles({
        backend: { kind: 'redis', client: broken },
        keyPrefix,
        policy,
      });
      for (let attempt = 0; attempt < 3; attempt++)
        assert.deepEqual(await throttles.loginIp.consume('192.0.2.1'), { allowed: true });
      assertRefused(await throttles.loginIp.consume('192.0.2.1'), WINDOW_MS, true);
    } finally {
      broken.disconnect();
    }
  });
});
