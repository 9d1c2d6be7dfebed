/**
 * Two auth servers share PostgreSQL and the feed Redis. One of them records a session revocation
 * in the store and dies (SIGKILL, fixtures/crash-point.ts) before the feed gets it, and is never
 * restarted, while the other keeps heartbeating:
 * - a logout: the durable revocation row is written, the publish never runs;
 * - refresh-token reuse: the rotation's transaction deleted the session (and recorded its
 *   revocation with it), the publish never runs.
 * The survivor must publish the revocation it finds pending in the store's outbox within a bound
 * (the outbox grace, 3 s, plus a heartbeat step), so a verifier following Redis refuses the token.
 * Before the outbox, nobody republished it: only a server that (re)seeds or first adopts an epoch
 * writes the durable revocations into the stream again.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  queryRedis,
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { AUDIENCE, ISSUER, uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import type { NodeProcess } from '../e2e/support/node-process.ts';
import { startVerifierService, type VerifierService } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import {
  type CrashPoint,
  createFaultSchema,
  registerAndLogin,
  spawnFaultServer,
  timedRequest,
} from './support.ts';

const SERVICE_TOKEN = 'outbox-dead-instance-service-token-0123456789';
/** OUTBOX_GRACE_MS (3 s) + one heartbeat step (1 s) + the verifier's read, with room for a busy machine. */
const REFUSED_WITHIN_MS = 8_000;

function claims(accessToken: string): { sid: string; sub: string } {
  return JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8'));
}

describe('faults: an instance dies with a revocation only in the store; the other publishes it', {
  timeout: 150_000,
}, () => {
  let redis: TestRedisServer;
  let database: Awaited<ReturnType<typeof createFaultSchema>>;
  let env: Record<string, string>;
  const directories: string[] = [];
  const processes: NodeProcess[] = [];
  let survivor: { process: NodeProcess; url: string };
  let verifier: VerifierService;

  const spawn = async (crashPoint?: CrashPoint) => {
    const directory = await mkdtemp(join(tmpdir(), 'gatehouse-outbox-'));
    directories.push(directory);
    const spawned = await spawnFaultServer(directory, env, crashPoint);
    processes.push(spawned.process);
    return spawned;
  };

  before(async () => {
    redis = await startTestRedisServer();
    database = await createFaultSchema();
    env = {
      DATABASE_URL: database.urlVia(5432),
      REDIS_URL: redis.url,
      GATEHOUSE_ISSUER: ISSUER,
      GATEHOUSE_SERVICE_TOKEN: SERVICE_TOKEN,
      GATEHOUSE_REFRESH_GRACE_SECONDS: '0',
    };
    // First: it migrates and creates the signing key the others find.
    survivor = await spawn();
    verifier = await startVerifierService({
      name: 'redis follower',
      feed: 'redis',
      authUrl: survivor.url,
      issuer: ISSUER,
      audience: AUDIENCE,
      serviceToken: SERVICE_TOKEN,
      redisUrl: redis.url,
      maxStalenessMs: 1500,
    });
  });

  after(async () => {
    await verifier?.stop();
    for (const child of processes) await child.stop().catch(() => {});
    await database?.drop();
    await redis?.stop();
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  async function loginOn(url: string) {
    const { accessToken, refreshToken } = await registerAndLogin(url, uniqueEmail('outbox'));
    return { credential: { kind: 'bearer' as const, accessToken, ...claims(accessToken) }, refreshToken };
  }

  async function expectPublishedBySurvivor(
    t: { diagnostic(message: string): void },
    doomed: NodeProcess,
    credential: { kind: 'bearer'; accessToken: string; sid: string; sub: string },
  ) {
    await doomed.exited;
    const diedAt = Date.now();
    const stream = JSON.stringify(
      await queryRedis(redis.port, ['XRANGE', 'gatehouse:revocations', '-', '+']),
    );
    assert.ok(!stream.includes(credential.sid), 'the dying instance published nothing');
    await waitFor(
      'the verifier to refuse the token as revoked',
      async () => {
        const reply = await verifier.me(credential);
        return reply.status === 401 ? reply : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    const tookMs = Date.now() - diedAt;
    t.diagnostic(`refused ${tookMs} ms after the instance died`);
    assert.ok(tookMs <= REFUSED_WITHIN_MS, `refused only after ${tookMs} ms`);
    assert.equal((await verifier.me(credential)).code, 'ERR_TOKEN_REVOKED');
  }

  it('a logout whose instance died after the durable write', async (t) => {
    const doomed = await spawn('after-revocation-record');
    const { credential } = await loginOn(doomed.url);
    assert.equal((await verifier.me(credential)).status, 200, 'accepted before the logout');
    await assert.rejects(
      timedRequest(doomed.url, 'POST', '/auth/logout', {
        headers: { authorization: `Bearer ${credential.accessToken}` },
        timeoutMs: 10_000,
      }),
      'the instance died before answering',
    );
    await expectPublishedBySurvivor(t, doomed.process, credential);
  });

  it('a reuse whose instance died after the rotation deleted the session', async (t) => {
    const doomed = await spawn('after-reuse');
    const { credential, refreshToken: stolen } = await loginOn(doomed.url);
    const first = await timedRequest(doomed.url, 'POST', '/auth/refresh', { body: { refreshToken: stolen } });
    assert.equal(first.status, 200);
    const second = await timedRequest(doomed.url, 'POST', '/auth/refresh', {
      body: { refreshToken: (first.body as { refreshToken: string }).refreshToken },
    });
    assert.equal(second.status, 200);
    assert.equal((await verifier.me(credential)).status, 200, 'accepted before the theft');
    await assert.rejects(
      timedRequest(doomed.url, 'POST', '/auth/refresh', {
        body: { refreshToken: stolen },
        timeoutMs: 10_000,
      }),
      'the instance died before answering',
    );
    await expectPublishedBySurvivor(t, doomed.process, credential);
    // The survivor sees the family gone as well.
    const latest = (second.body as { refreshToken: string }).refreshToken;
    assert.equal(
      (await timedRequest(survivor.url, 'POST', '/auth/refresh', { body: { refreshToken: latest } })).status,
      400,
    );
  });
});
