/**
 * Refresh-token reuse, and the server dies between the store's rotation (which deletes the session
 * and its family) and the publish of the session's revocation. The server kills itself (SIGKILL)
 * right when the rotation answers `reused` (fixtures/crash-point.ts). It restarts on the same
 * store (the SQLite file; or, with GATEHOUSE_STORE=redis, the Redis that is also the feed's) and
 * feed Redis: a verifier following Redis must refuse the session's access token, never accept it
 * again after the restart. Before the outbox, the revocation existed nowhere (the
 * store had deleted the session, the publish never ran), so the stolen token verified until it
 * expired.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import {
  isPortFree,
  queryRedis,
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { AUDIENCE, ISSUER, uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import type { NodeProcess } from '../e2e/support/node-process.ts';
import { startVerifierService, type VerifierService } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { registerAndLogin, spawnFaultServer, timedRequest } from './support.ts';

const SERVICE_TOKEN = 'crash-reuse-service-token-0123456789abcdef';
/**
 * SQLite: the restarted server writes the durable revocations into the stream before its first
 * heartbeat. The Redis store keeps no durable revocations: its outbox entry is published by the
 * heartbeat step once older than the outbox grace (3 s), so allow that plus a step.
 */
const REFUSED_WITHIN_MS = { sqlite: 5_000, redis: 8_000 };

async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 40_000 + Math.floor(Math.random() * 10_000);
    if (await isPortFree(port)) return port;
  }
  throw new Error('no free port');
}

function claims(accessToken: string): { sid: string; sub: string } {
  return JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8'));
}

for (const store of ['sqlite', 'redis'] as const)
  describe(`faults: the server dies between reuse detection and the publish (${store} store)`, {
    timeout: 90_000,
  }, () => {
    let directory: string | undefined;
    let redis: TestRedisServer | undefined;
    let server: NodeProcess | undefined;
    let verifier: VerifierService | undefined;

    after(async () => {
      await verifier?.stop();
      await server?.stop();
      await redis?.stop();
      if (directory) await rm(directory, { recursive: true, force: true });
    });

    it('after the restart, verifiers refuse the access tokens of the session reuse ended', async (t) => {
      directory = await mkdtemp(join(tmpdir(), 'gatehouse-crash-reuse-'));
      redis = await startTestRedisServer();
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const env = {
        PORT: String(port),
        GATEHOUSE_ISSUER: ISSUER,
        GATEHOUSE_SERVICE_TOKEN: SERVICE_TOKEN,
        REDIS_URL: redis.url,
        ...(store === 'redis' ? { GATEHOUSE_STORE: 'redis' } : {}),
        // No grace: a replay after the successor was used is reuse at once.
        GATEHOUSE_REFRESH_GRACE_SECONDS: '0',
      };
      server = (await spawnFaultServer(directory, env, 'after-reuse')).process;
      verifier = await startVerifierService({
        name: 'redis follower',
        feed: 'redis',
        authUrl: url,
        issuer: ISSUER,
        audience: AUDIENCE,
        serviceToken: SERVICE_TOKEN,
        redisUrl: redis.url,
        maxStalenessMs: 1500,
      });

      const { accessToken, refreshToken: stolen } = await registerAndLogin(url, uniqueEmail('crash-reuse'));
      const doomed = { kind: 'bearer' as const, accessToken, ...claims(accessToken) };
      // The victim refreshes twice: the stolen first token's successor is used.
      const first = await timedRequest(url, 'POST', '/auth/refresh', { body: { refreshToken: stolen } });
      assert.equal(first.status, 200);
      const second = await timedRequest(url, 'POST', '/auth/refresh', {
        body: { refreshToken: (first.body as { refreshToken: string }).refreshToken },
      });
      assert.equal(second.status, 200);
      const latest = (second.body as { refreshToken: string }).refreshToken;
      assert.equal((await verifier.me(doomed)).status, 200, 'accepted before the theft');

      // The thief replays the stolen token: reuse. The server dies as the rotation answers.
      await assert.rejects(
        timedRequest(url, 'POST', '/auth/refresh', { body: { refreshToken: stolen }, timeoutMs: 10_000 }),
        'the server died before answering',
      );
      await server.exited;
      server = undefined;
      const stream = JSON.stringify(
        await queryRedis(redis.port, ['XRANGE', 'gatehouse:revocations', '-', '+']),
      );
      assert.ok(!stream.includes(doomed.sid), 'nothing was published before the crash');
      // Past its staleness bound the verifier fails closed; a 200 after the restart can then only
      // come from fresh heartbeats on a feed that lacks the revocation.
      await waitFor('the verifier to fail closed', async () =>
        (await verifier!.me(doomed)).status === 503 ? true : undefined,
      );

      server = (await spawnFaultServer(directory, env)).process;
      const restartedAt = Date.now();
      await waitFor(
        'the verifier to refuse the token as revoked',
        async () => {
          const reply = await verifier!.me(doomed);
          assert.notEqual(reply.status, 200, 'the verifier accepted the token of a session reuse ended');
          return reply.status === 401 ? reply : undefined;
        },
        { timeoutMs: 20_000 },
      );
      const tookMs = Date.now() - restartedAt;
      t.diagnostic(`refused ${tookMs} ms after the restart`);
      assert.ok(tookMs <= REFUSED_WITHIN_MS[store], `refused only after ${tookMs} ms`);
      assert.equal((await verifier.me(doomed)).code, 'ERR_TOKEN_REVOKED');
      // The reuse committed: the family is dead too.
      assert.equal(
        (await timedRequest(url, 'POST', '/auth/refresh', { body: { refreshToken: latest } })).status,
        400,
      );
      await sleep(1500);
      assert.equal((await verifier.me(doomed)).status, 401, 'still refused a few heartbeats later');
    });
  });
