/**
 * Issue 10, point 1: the feed loses its data, the revocations do not (docs/design.md §5).
 *
 * (a) Redis Streams feed (SQLite store, feed-only Redis without persistence): a token-strategy
 *     session is logged out, Redis is killed and restarted empty, and verifiers started only then
 *     (one on Redis, one on the server's SSE stream) refuse the token revoked before: the auth
 *     server seeded the new Redis from its durable store before it heartbeated again.
 * (b) In-process feed: the auth server itself restarts; a verifier started afterwards refuses the
 *     token revoked before the restart (the new process seeds its feed from the database).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type RunningServer, startServer } from '@gatehouse/server';
import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { createAuthClient, type Credential } from '../e2e/support/auth-client.ts';
import {
  AUDIENCE,
  type AuthServer,
  ISSUER,
  startAuthServer,
  startVerifierServices,
  uniqueEmail,
} from '../e2e/support/gatehouse-stack.ts';
import type { VerifierService } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';

const MAX_STALENESS_MS = 1500;

/**
 * Polls `verifier` with the revoked and the live credential until the live one is accepted; every
 * answer for the revoked one must be a refusal (503 while stale, then 401 revoked), never 200.
 */
async function assertRefusesFromTheStart(verifier: VerifierService, revoked: Credential, live: Credential) {
  const seen: string[] = [];
  await waitFor(
    `${verifier.name} to accept the live token`,
    async () => {
      const reply = await verifier.me(revoked);
      seen.push(`${reply.status} ${reply.code}`);
      assert.notEqual(
        reply.status,
        200,
        `${verifier.name} accepted a token revoked before the feed lost its data`,
      );
      return (await verifier.me(live)).status === 200 ? true : undefined;
    },
    { intervalMs: 50, timeoutMs: 15_000 },
  );
  for (let poll = 0; poll < 20; poll++) {
    const reply = await verifier.me(revoked);
    assert.deepEqual(
      [reply.status, reply.code],
      [401, 'ERR_TOKEN_REVOKED'],
      `${verifier.name}, poll ${poll}`,
    );
  }
  return new Set(seen);
}

describe('faults: the feed loses its data, the revocations survive', { timeout: 90_000 }, () => {
  let redis: TestRedisServer;
  let auth: AuthServer;
  const verifiers: VerifierService[] = [];

  before(async () => {
    redis = await startTestRedisServer();
    auth = await startAuthServer({ redisUrl: redis.url });
  });

  after(async () => {
    await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
    await auth?.close();
    await redis?.stop();
  });

  it('(a) Redis restarted empty: verifiers started afterwards refuse the token revoked before', async (t) => {
    const email = uniqueEmail('feed-loss');
    await auth.client.register(email);
    const revoked = await auth.client.loginWithToken(email);
    await auth.client.logout(revoked);
    // The event reached Redis before it dies (so the loss is Redis's, not a pending publish).
    await waitFor('the revocation to reach Redis', async () => {
      const response = await fetch(`${auth.server.url}/revocations`, {
        headers: { authorization: `Bearer ${auth.serviceToken}` },
      });
      const body = (await response.json()) as { events: Array<{ sid?: string }> };
      return body.events.some((event) => event.sid === revoked.sid) ? true : undefined;
    });

    await redis.restart();
    const restartedAt = performance.now();
    const live = await waitFor('a login after the restart', async () =>
      auth.client.loginWithToken(email).catch(() => undefined),
    );
    const started = await startVerifierServices([
      {
        ...auth.verifierOptions,
        name: 'after-restart (redis)',
        feed: 'redis',
        redisUrl: redis.url,
        maxStalenessMs: MAX_STALENESS_MS,
      },
      { ...auth.verifierOptions, name: 'after-restart (sse)', feed: 'sse', maxStalenessMs: MAX_STALENESS_MS },
    ]);
    verifiers.push(...started);
    for (const verifier of started) {
      const seen = await assertRefusesFromTheStart(verifier, revoked, live);
      t.diagnostic(
        `${verifier.name}: answers seen for the revoked token: ${[...seen].join(', ')}; accepting the live one ${(performance.now() - restartedAt).toFixed(0)} ms after the restart`,
      );
    }
  });
});

describe('faults: the auth server restarts (in-process feed)', { timeout: 60_000 }, () => {
  let dataDir: string;
  let server: RunningServer | undefined;
  const verifiers: VerifierService[] = [];
  const serviceToken = 'a-service-token-for-the-restart-test-0123456789';

  const start = async () =>
    startServer(
      loadConfig({ GATEHOUSE_SERVICE_TOKEN: serviceToken }, [
        ...['--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0'],
      ]),
      { logger: false, print: () => {} },
    );

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-faults-'));
  });

  after(async () => {
    await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('(b) a verifier started after the restart refuses the token revoked before it', async () => {
    server = await start();
    const client = createAuthClient(server.url);
    const email = uniqueEmail('restart');
    await client.register(email);
    const revoked = await client.loginWithToken(email);
    await client.logout(revoked);
    await server.close();

    server = await start();
    const live = await createAuthClient(server.url).loginWithToken(email);
    const [verifier] = await startVerifierServices([
      {
        name: 'after-server-restart (sse)',
        feed: 'sse',
        authUrl: server.url,
        issuer: ISSUER,
        audience: AUDIENCE,
        serviceToken,
        maxStalenessMs: MAX_STALENESS_MS,
      },
    ]);
    verifiers.push(verifier!);
    await assertRefusesFromTheStart(verifier!, revoked, live);
  });
});
