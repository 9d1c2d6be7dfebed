/**
 * Issue 10, point 6 and the Redis-store part of point 1: with GATEHOUSE_STORE=redis on a Redis
 * without persistence, the server warns at start-up and says so in /readyz. When that Redis
 * restarts empty, the server recovers without a restart: a signing key is made again at once (not
 * at the hourly check), JWKS is never left empty for long, and register + login work again within
 * seconds instead of answering 503 for minutes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { KEK, KEY, PASSWORD, timedRequest } from './support.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type RunningServer, startServer } from '@gatehouse/server';

describe('faults: GATEHOUSE_STORE=redis on a Redis without persistence', { timeout: 60_000 }, () => {
  let redis: TestRedisServer;
  let server: RunningServer;
  let dataDir: string;
  const logLines: string[] = [];

  before(async () => {
    redis = await startTestRedisServer();
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-redis-store-'));
    server = await startServer(
      loadConfig(
        {
          GATEHOUSE_STORE: 'redis',
          REDIS_URL: redis.url,
          GATEHOUSE_CSRF_SECRET: KEY,
          GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
        },
        ['--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0'],
      ),
      { logger: { level: 'warn', stream: { write: (line) => logLines.push(line) } }, print: () => {} },
    );
  });

  after(async () => {
    await server?.close();
    await redis?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('warns at start-up and in /readyz', async () => {
    assert.ok(
      logLines.some((line) => line.includes('neither AOF nor RDB')),
      'a start-up warning about the missing persistence',
    );
    const ready = await timedRequest(server.url, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal((ready.body as { redisPersistence?: string }).redisPersistence, 'none');
    assert.match(String((ready.body as { warning?: string }).warning), /neither AOF nor RDB/);
  });

  it('Redis restarted empty: a new signing key at once, register and login work again within seconds', async (t) => {
    const jwksBefore = (await timedRequest(server.url, 'GET', '/.well-known/jwks.json')).body as {
      keys: unknown[];
    };
    assert.ok(jwksBefore.keys.length > 0);
    await redis.restart();
    const restartedAt = performance.now();
    const email = uniqueEmail('redis-store');
    await waitFor(
      'register and login to work again',
      async () => {
        const registered = await timedRequest(server.url, 'POST', '/auth/register', {
          body: { email, password: PASSWORD },
        });
        if (registered.status !== 202 && registered.status !== 409) {
          assert.equal(registered.status, 503, 'while Redis comes back: 503, never 500');
          return undefined;
        }
        const login = await timedRequest(server.url, 'POST', '/auth/login', {
          body: { email, password: PASSWORD, strategy: 'token' },
        });
        assert.notEqual(login.status, 500);
        return login.status === 200 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    t.diagnostic(`login 200 again ${(performance.now() - restartedAt).toFixed(0)} ms after the restart`);
    // The old key vanished with Redis: tokens are signed with a key that exists again, and JWKS
    // lists it, within seconds (before: the old key from memory, then none after the hourly check).
    const oldKids = new Set((jwksBefore.keys as Array<{ kid: string }>).map((key) => key.kid));
    const login = await timedRequest(server.url, 'POST', '/auth/login', {
      body: { email, password: PASSWORD, strategy: 'token' },
    });
    const kid = JSON.parse(
      Buffer.from((login.body as { accessToken: string }).accessToken.split('.')[0]!, 'base64url').toString(),
    ).kid;
    assert.equal(oldKids.has(kid), false, 'signed with a key that vanished from the store');
    await waitFor(
      'JWKS to list only keys that exist',
      async () => {
        const body = (await timedRequest(server.url, 'GET', '/.well-known/jwks.json')).body as {
          keys: Array<{ kid: string }>;
        };
        return body.keys.length > 0 && body.keys.every((key) => !oldKids.has(key.kid)) ? true : undefined;
      },
      { timeoutMs: 8_000 },
    );
  });
});
