import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { accountThrottleKey, defaultThrottlePolicy } from '@gatehouse/core';
import { Redis } from 'ioredis';
import { createTestServer, PASSWORD } from '../testing/index.ts';
import { createTestKeyPrefix, deleteKeysWithPrefix, testRedisUrl } from '../store/redis/test-redis.ts';
import { createRateLimiterThrottles } from './rate-limiter-throttles.ts';

const WRONG_PASSWORD = 'not the right passphrase';

/**
 * Two auth servers on real sockets sharing one Redis for their counters: what one server counts,
 * the other enforces. (Each has its own memory store, so accounts are registered on both.) Real
 * time, since Redis expires counters by its own clock.
 */
describe('throttling on Redis over real sockets, shared by two servers', () => {
  const keyPrefix = createTestKeyPrefix();
  let client: Redis;
  const urls: string[] = [];
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    client = new Redis(testRedisUrl);
    const policy = { ...defaultThrottlePolicy, loginIp: { limit: 10, windowSeconds: 60 } };
    for (let index = 0; index < 2; index++) {
      const throttles = createRateLimiterThrottles({ backend: { kind: 'redis', client }, keyPrefix, policy });
      const { app } = createTestServer({ throttles });
      await app.listen({ host: '127.0.0.1', port: 0 });
      urls.push(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
      closers.push(() => app.close());
    }
  });

  after(async () => {
    for (const close of closers) await close();
    await deleteKeysWithPrefix(client, keyPrefix);
    await client.quit();
  });

  const post = (url: string, path: string, payload: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(payload),
    });

  it('locks an account on both servers after failures spread over both, then lets the owner in', async () => {
    const email = 'shared-lock@example.com';
    for (const url of urls)
      assert.equal((await post(url, '/auth/register', { email, password: PASSWORD })).status, 202);
    for (let attempt = 0; attempt < 6; attempt++) {
      const response = await post(urls[attempt % 2]!, '/auth/login', { email, password: WRONG_PASSWORD });
      assert.equal(response.status, 401, `attempt ${attempt}`);
      assert.deepEqual(await response.json(), { error: 'invalid_credentials' });
    }
    for (const url of urls) {
      const refused = await post(url, '/auth/login', { email, password: PASSWORD });
      assert.equal(refused.status, 429);
      assert.deepEqual(await refused.json(), { error: 'too_many_attempts' });
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(refused.headers.get('cache-control'), 'no-store');
    }
    const lockKey = `${keyPrefix}login-account-lock:${accountThrottleKey(email)}`;
    assert.ok((await client.pttl(lockKey)) > 0, 'the lock lives in Redis');

    await sleep(1100);
    assert.equal((await post(urls[1]!, '/auth/login', { email, password: PASSWORD })).status, 200);
    assert.equal(
      await client.exists(`${keyPrefix}login-account:${accountThrottleKey(email)}`),
      0,
      'count reset',
    );
  });

  it('counts an address on both servers, and a spoofed X-Forwarded-For does not split it', async () => {
    // A fresh count for this address: the test above spent some of it.
    await client.del(`${keyPrefix}login-ip:127.0.0.1`);
    for (let attempt = 0; attempt < 10; attempt++) {
      const spoofed = { 'x-forwarded-for': `192.0.2.${attempt}` };
      const response = await post(
        urls[attempt % 2]!,
        '/auth/login',
        { email: `ip-${attempt}@example.com`, password: WRONG_PASSWORD },
        spoofed,
      );
      assert.equal(response.status, 401, `attempt ${attempt}`);
    }
    for (const url of urls) {
      const refused = await post(
        url,
        '/auth/login',
        { email: 'ip-x@example.com', password: WRONG_PASSWORD },
        { 'x-forwarded-for': '192.0.2.200' },
      );
      assert.equal(refused.status, 429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    }
    assert.equal(await client.get(`${keyPrefix}login-ip:127.0.0.1`), '12');
  });
});
