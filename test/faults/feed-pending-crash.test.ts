/**
 * A revocation that was only pending when the server died. The feed Redis is down (killed; its data
 * is kept in an append-only file), a logout answers 204 (the durable write succeeded; the publish
 * is pending, in memory), the server is killed with SIGKILL, Redis comes back with its data (same
 * epoch: no reseed), and the server starts again on the same SQLite file. The restarted server
 * must put the durable revocation on the stream before it heartbeats: a verifier following Redis
 * refuses the token within a few seconds and never accepts it in between.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import {
  isPortFree,
  killOnProcessExit,
  queryRedis,
  startRedisProcess,
  TEST_REDIS_HOST,
  terminate,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { createAuthClient } from '../e2e/support/auth-client.ts';
import { AUDIENCE, ISSUER, uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import type { NodeProcess } from '../e2e/support/node-process.ts';
import { startVerifierService, type VerifierService } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { spawnFaultServer, timedRequest } from './support.ts';

const SERVICE_TOKEN = 'pending-crash-service-token-0123456789abcdef';
const REFUSED_WITHIN_MS = 5_000;

async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 40_000 + Math.floor(Math.random() * 10_000);
    if (await isPortFree(port)) return port;
  }
  throw new Error('no free port');
}

describe('faults: the server dies while a revocation is pending (feed Redis down)', {
  timeout: 90_000,
}, () => {
  let directory: string | undefined;
  let redis: ChildProcess | undefined;
  let server: NodeProcess | undefined;
  let verifier: VerifierService | undefined;
  const disposeRedis = killOnProcessExit(() => {
    if (redis?.exitCode === null) redis.kill('SIGKILL');
  });

  after(async () => {
    await verifier?.stop();
    await server?.stop();
    if (redis) await terminate(redis);
    disposeRedis();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('the restarted server republishes the durable revocation before it heartbeats', async (t) => {
    directory = await mkdtemp(join(tmpdir(), 'gatehouse-pending-crash-'));
    const redisDir = join(directory, 'redis');
    const dataDir = join(directory, 'data');
    await mkdir(redisDir, { recursive: true });
    // No snapshots; every write fsynced to the AOF, so a SIGKILLed Redis comes back with its data.
    const args = () => [
      ...['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', redisDir],
      ...['--logfile', join(redisDir, 'redis.log')],
    ];
    const started = await startRedisProcess({ args, onSpawn: (child) => (redis = child) });
    const redisPort = started.port;
    const redisUrl = `redis://${TEST_REDIS_HOST}:${redisPort}`;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const serve = async () => {
      server = (
        await spawnFaultServer(dataDir, {
          PORT: String(port),
          GATEHOUSE_ISSUER: ISSUER,
          GATEHOUSE_SERVICE_TOKEN: SERVICE_TOKEN,
          REDIS_URL: redisUrl,
        })
      ).process;
    };
    await serve();

    verifier = await startVerifierService({
      name: 'redis follower',
      feed: 'redis',
      authUrl: url,
      issuer: ISSUER,
      audience: AUDIENCE,
      serviceToken: SERVICE_TOKEN,
      redisUrl,
      maxStalenessMs: 1500,
    });
    const client = createAuthClient(url);
    const email = uniqueEmail('pending-crash');
    await client.register(email);
    const doomed = await client.loginWithToken(email);
    assert.equal((await verifier.me(doomed)).status, 200, 'accepted before the logout');

    await terminate(redis!, 'SIGKILL');
    const logout = await timedRequest(url, 'POST', '/auth/logout', {
      headers: { authorization: `Bearer ${doomed.accessToken}` },
    });
    assert.equal(logout.status, 204, 'the durable write succeeded; the publish is pending');
    await server!.stop('SIGKILL');
    server = undefined;
    // Past its staleness bound the verifier fails closed; a 200 after the restart can then only
    // come from fresh heartbeats on a stream that lacks the revocation.
    await waitFor('the verifier to fail closed', async () =>
      (await verifier!.me(doomed)).status === 503 ? true : undefined,
    );

    redis = spawn(
      'redis-server',
      ['--port', String(redisPort), '--bind', TEST_REDIS_HOST, '--daemonize', 'no', ...args()],
      { stdio: 'ignore' },
    );
    await waitFor('redis to come back', async () =>
      (await queryRedis(redisPort, ['PING']).catch(() => null)) === 'PONG' ? true : undefined,
    );
    const entries = JSON.stringify(
      await queryRedis(redisPort, ['XRANGE', 'gatehouse:revocations', '-', '+']),
    );
    assert.ok(entries.includes('heartbeat'), 'Redis kept its stream (no reseed will happen)');
    assert.ok(!entries.includes(doomed.sid), 'the revocation never reached Redis before the crash');

    await serve();
    const restartedAt = Date.now();
    await waitFor(
      'the verifier to refuse the token as revoked',
      async () => {
        const reply = await verifier!.me(doomed);
        assert.notEqual(reply.status, 200, 'the verifier accepted a logged-out token after the restart');
        return reply.status === 401 ? reply : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const tookMs = Date.now() - restartedAt;
    t.diagnostic(`refused ${tookMs} ms after the restart`);
    assert.ok(tookMs <= REFUSED_WITHIN_MS, `refused only after ${tookMs} ms`);
    assert.equal((await verifier.me(doomed)).code, 'ERR_TOKEN_REVOKED');
    const after = JSON.stringify(await queryRedis(redisPort, ['XRANGE', 'gatehouse:revocations', '-', '+']));
    assert.ok(after.includes(doomed.sid), 'the stream carries the revocation');
    // A few more heartbeats: the verifier keeps refusing.
    await sleep(1500);
    assert.equal((await verifier.me(doomed)).status, 401);
  });
});
