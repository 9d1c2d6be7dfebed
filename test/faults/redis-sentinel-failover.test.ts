/**
 * `GATEHOUSE_REDIS_SENTINELS`: the auth server and its verifiers find the Redis master through a
 * Redis Sentinel and follow the failover it makes, for real: a primary and its replica, and a
 * Sentinel watching the primary, all started by the test; the test cuts the replica off (points
 * it at a proxy that passes nothing). A token is signed out while the replica hears nothing, the primary is
 * killed, and the Sentinel promotes the replica, which never saw the revocation. No address moves:
 * every client asks the Sentinel (which has a password of its own) where the master is now. Then the server answers again, verifiers
 * started after the failover refuse the signed-out token from their first answer (the feed is
 * seeded again from the durable store), and those that followed the feed through it still refuse it
 * and hear a sign-out made afterwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryRedis, startTestRedisServer } from '../../packages/server/src/store/redis/test-redis-server.ts';
import { createAuthClient } from '../e2e/support/auth-client.ts';
import {
  AUDIENCE,
  ISSUER,
  startAuthServer,
  startVerifierServices,
  uniqueEmail,
} from '../e2e/support/gatehouse-stack.ts';
import type { VerifierServiceOptions } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { assertRefusesFromTheStart, MAX_STALENESS_MS } from './feed-support.ts';
import { replicaCaughtUp } from './replicated-redis.ts';
import { startTcpProxy } from '../e2e/support/tcp-proxy.ts';
import { startFaultServer } from './support.ts';
import { SENTINEL_MASTER, startTestSentinel } from './test-sentinel.ts';

/**
 * A primary and its replica, the replica following the primary directly (as a Sentinel expects:
 * it points a replica that follows another address back at the master, some 8 s after it sees it).
 * `cutReplication` re-points the replica at a proxy that passes nothing: from then on it hears
 * nothing, for the few seconds until the primary dies.
 */
async function startPrimaryAndReplica() {
  const primary = await startTestRedisServer();
  const replica = await startTestRedisServer({ replicaOf: primary.port });
  const nowhere = await startTcpProxy(primary.port);
  nowhere.cut('blackhole');
  return {
    primary,
    replica,
    cutReplication: () => queryRedis(replica.port, ['REPLICAOF', '127.0.0.1', String(nowhere.port)]),
    async stop() {
      await primary.kill();
      await nowhere.close();
      await Promise.allSettled([primary.stop(), replica.stop()]);
    },
  };
}

/**
 * How long the server may take to reach the promoted master: a few seconds here, more on a loaded
 * machine (the client asks the Sentinel again after its connection drops, on its own backoff).
 */
const RECOVERY = { timeoutMs: 30_000 };

describe('faults: a Redis failover made by a Sentinel (GATEHOUSE_REDIS_SENTINELS)', {
  timeout: 120_000,
}, () => {
  it('the server and the verifiers follow it, and nobody accepts the revocation the replica missed', async (t) => {
    const redis = await startPrimaryAndReplica();
    t.after(() => redis.stop());
    // A Sentinel with a password of its own, as managed deployments run them.
    const sentinelPassword = 'a-sentinel-password-for-the-failover-test';
    const sentinel = await startTestSentinel(redis.primary.port, sentinelPassword);
    t.after(() => sentinel.stop());
    await waitFor('the Sentinel to know the replica', async () => {
      const replicas = (await sentinel.query(['SENTINEL', 'REPLICAS', SENTINEL_MASTER])) as unknown[];
      return replicas.length > 0 ? true : undefined;
    });
    const sentinels = `127.0.0.1:${sentinel.port}`;
    const redisUrl = `redis://${SENTINEL_MASTER}`;
    const auth = await startAuthServer({
      env: {
        REDIS_URL: redisUrl,
        GATEHOUSE_REDIS_SENTINELS: sentinels,
        GATEHOUSE_REDIS_SENTINEL_PASSWORD: sentinelPassword,
      },
    });
    t.after(() => auth.close());
    const trust = {
      authUrl: auth.server.url,
      issuer: ISSUER,
      audience: AUDIENCE,
      serviceToken: auth.serviceToken,
    };
    const verifiersNamed = (label: string): VerifierServiceOptions[] => [
      {
        ...trust,
        name: `${label} (redis)`,
        feed: 'redis',
        redisUrl,
        redisSentinels: sentinels,
        redisSentinelPassword: sentinelPassword,
        maxStalenessMs: MAX_STALENESS_MS,
      },
      { ...trust, name: `${label} (sse)`, feed: 'sse', maxStalenessMs: MAX_STALENESS_MS },
    ];
    const before = await startVerifierServices(verifiersNamed('before'));
    t.after(() => Promise.allSettled(before.map((verifier) => verifier.stop())));

    const email = uniqueEmail('sentinel');
    await auth.client.register(email);
    const signedOut = await auth.client.loginWithToken(email);
    await replicaCaughtUp(redis.primary, redis.replica);
    await redis.cutReplication();
    await auth.client.logout(signedOut);
    for (const verifier of before) {
      await waitFor(`${verifier.name} to refuse the signed-out token`, async () =>
        (await verifier.me(signedOut)).code === 'ERR_TOKEN_REVOKED' ? true : undefined,
      );
    }

    const missed = JSON.stringify(
      await queryRedis(redis.replica.port, ['XRANGE', 'gatehouse:revocations', '-', '+']),
    );
    assert.ok(!missed.includes(signedOut.sid), 'the replica never saw the revocation');
    await redis.primary.kill();
    const killedAt = performance.now();
    await waitFor(
      'the Sentinel to promote the replica',
      async () => ((await sentinel.masterPort()) === redis.replica.port ? true : undefined),
      { timeoutMs: 20_000 },
    );
    const promotedAt = performance.now();
    // The server reaches the new master by itself: its feed answers again (503 meanwhile, never 500).
    await waitFor(
      'the feed to answer after the failover',
      async () => {
        const response = await fetch(`${auth.server.url}/revocations`, {
          headers: { authorization: `Bearer ${auth.serviceToken}` },
        });
        await response.body?.cancel();
        assert.notEqual(response.status, 500);
        return response.status === 200 ? true : undefined;
      },
      RECOVERY,
    );
    t.diagnostic(
      `promoted ${(promotedAt - killedAt).toFixed(0)} ms after the primary died; the feed answered ${(performance.now() - killedAt).toFixed(0)} ms after`,
    );
    const live = await auth.client.loginWithToken(email);

    const after = await startVerifierServices(verifiersNamed('after'));
    t.after(() => Promise.allSettled(after.map((verifier) => verifier.stop())));
    for (const verifier of [...after, ...before]) {
      const seen = await assertRefusesFromTheStart(verifier, signedOut, live, 'the failover');
      t.diagnostic(`${verifier.name}: answers for the signed-out token: ${[...seen].join(', ')}`);
    }
    await auth.client.logout(live);
    for (const verifier of [...before, ...after]) {
      await waitFor(`${verifier.name} to refuse a token signed out after the failover`, async () =>
        (await verifier.me(live)).code === 'ERR_TOKEN_REVOKED' ? true : undefined,
      );
    }
  });

  it('the Redis store behind the Sentinel: a confirmed sign-out survives, and the store follows the new master', async (t) => {
    const redis = await startPrimaryAndReplica();
    t.after(() => redis.stop());
    const sentinel = await startTestSentinel(redis.primary.port);
    t.after(() => sentinel.stop());
    await replicaCaughtUp(redis.primary, redis.replica);
    const server = await startFaultServer({
      GATEHOUSE_STORE: 'redis',
      REDIS_URL: `redis://${SENTINEL_MASTER}`,
      GATEHOUSE_REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
      GATEHOUSE_REDIS_WAIT_REPLICAS: '1',
    });
    t.after(() => server.close());
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as Record<string, unknown>;
    assert.equal(ready.redisReplicas, 1, 'the master, found through the Sentinel');
    const client = createAuthClient(server.url);
    const email = uniqueEmail('sentinel-store');
    await client.register(email);
    const signedOut = await client.loginWithSession(email);
    const live = await client.loginWithSession(email);
    assert.equal((await client.logoutAnswer(signedOut)).status, 204, 'confirmed by the replica');

    await redis.primary.kill();
    await waitFor(
      'the Sentinel to promote the replica',
      async () => ((await sentinel.masterPort()) === redis.replica.port ? true : undefined),
      { timeoutMs: 20_000 },
    );
    await waitFor(
      'the store to answer on the new master',
      async () => {
        const answer = await client.me(live);
        assert.notEqual(answer.status, 500);
        return answer.status === 200 ? true : undefined;
      },
      RECOVERY,
    );
    assert.equal((await client.me(signedOut)).status, 401, 'the confirmed sign-out survived');
    // No replica follows the promoted master yet: a revocation cannot be confirmed, and says so.
    const unconfirmed = await client.logoutAnswer(live);
    assert.equal(unconfirmed.status, 503);
    assert.ok(unconfirmed.raw.headers.get('retry-after'));
  });

  it('without the Sentinel password the server does not start, and says why, instead of waiting for ever', async (t) => {
    const redis = await startTestRedisServer();
    t.after(() => redis.stop());
    const sentinel = await startTestSentinel(redis.port, 'the-sentinel-password-the-server-lacks');
    t.after(() => sentinel.stop());
    const started = performance.now();
    await assert.rejects(
      startAuthServer({
        env: {
          REDIS_URL: `redis://${SENTINEL_MASTER}`,
          GATEHOUSE_REDIS_SENTINELS: `127.0.0.1:${sentinel.port}`,
        },
      }),
      /not connected within 10000 ms: All sentinels are unreachable.*NOAUTH/s,
    );
    t.diagnostic(`refused to start after ${(performance.now() - started).toFixed(0)} ms`);
  });
});
