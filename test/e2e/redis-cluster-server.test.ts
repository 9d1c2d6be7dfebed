/**
 * `GATEHOUSE_REDIS_CLUSTER=on`: the auth server on a real Redis Cluster (three masters started by
 * the test) from configuration alone, REDIS_URL naming one node: all state (GATEHOUSE_STORE=redis),
 * the revocation feed, the throttle counters. Before, the server could reach one Redis only, and a
 * cluster took code (`openRedisStore({ client: new Cluster(…) })`) and left the feed and the
 * throttles on a single node. Verifiers follow the feed from the cluster (`@gatehouse/verify/redis`
 * over an ioredis Cluster) and over SSE. `GATEHOUSE_REDIS_CLUSTER_NODES` lists more nodes to start
 * from, so that a server starts while the node REDIS_URL names is down.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestClient, fetchTransport } from '@gatehouse/server/testing/client';
import { Cluster } from 'ioredis';
import {
  clusterUnavailableReason,
  startTestCluster,
} from '../../packages/server/src/store/redis/test-cluster.ts';
import {
  redisClusterStore,
  startAuthServer,
  startVerifierServices,
  uniqueEmail,
} from './support/gatehouse-stack.ts';
import { freePort } from '../support/free-port.ts';
import { waitFor } from './support/wait-for.ts';

const unavailable = clusterUnavailableReason();

/** Keys per cluster node matching `pattern`. */
async function keysPerNode(cluster: Cluster, pattern: string): Promise<number[]> {
  return Promise.all(cluster.nodes('master').map(async (node) => (await node.keys(pattern)).length));
}

describe('the server on a Redis Cluster (GATEHOUSE_REDIS_CLUSTER=on)', { timeout: 120_000 }, () => {
  it('signs in, refreshes and revokes with every key in the cluster, and verifiers follow its feed', {
    skip: unavailable ?? false,
  }, async (t) => {
    const nodes = await startTestCluster(3);
    t.after(() => nodes.stop());
    const seed = nodes.nodes[1]!;
    const redisUrl = `redis://${seed.host}:${seed.port}`;
    const auth = await startAuthServer({ env: redisClusterStore(redisUrl) });
    t.after(() => auth.close());
    const cluster = new Cluster(nodes.nodes, { clusterRetryStrategy: () => null });
    t.after(() => cluster.disconnect());

    const ready = (await (await fetch(`${auth.server.url}/readyz`)).json()) as Record<string, unknown>;
    assert.deepEqual([ready.redisPersistence, ready.redisReplicas], ['none', 0], 'read from every master');

    const verifiers = await startVerifierServices([
      { ...auth.verifierOptions, name: 'cluster (redis)', feed: 'redis', redisUrl, redisCluster: true },
      { ...auth.verifierOptions, name: 'cluster (sse)', feed: 'sse' },
    ]);
    t.after(() => Promise.allSettled(verifiers.map((verifier) => verifier.stop())));

    const emails = Array.from({ length: 6 }, () => uniqueEmail('cluster'));
    for (const email of emails) await auth.client.register(email);
    const tokens = await Promise.all(emails.map((email) => auth.client.loginWithToken(email)));
    const userKeys = await keysPerNode(cluster, 'gatehouse:{u:*');
    t.diagnostic(`user keys per node: ${userKeys.join(' / ')}`);
    assert.ok(userKeys.filter((count) => count > 0).length >= 2, 'users spread over the nodes');

    for (const verifier of verifiers) {
      for (const token of tokens) {
        await waitFor(`${verifier.name} to accept`, async () =>
          (await verifier.me(token)).status === 200 ? true : undefined,
        );
      }
    }

    // Refresh rotation, a script in the user's slot.
    const client = createTestClient(fetchTransport(auth.server.url));
    const { login } = await client.login(emails[0]!, 'token');
    const rotated = await client.refreshWithBody(login.refreshToken);
    assert.equal(rotated.status, 200);
    const successor = (JSON.parse(rotated.body) as { refreshToken: string }).refreshToken;
    assert.notEqual(successor, login.refreshToken);
    assert.equal((await client.refreshWithBody(successor)).status, 200);

    // Revocations reach both verifiers through the cluster's stream.
    const [signedOut, everywhere] = tokens;
    await auth.client.logout(signedOut!);
    await auth.client.logoutAll(everywhere!);
    for (const verifier of verifiers) {
      for (const token of [signedOut!, everywhere!]) {
        await waitFor(`${verifier.name} to refuse a signed-out token`, async () =>
          (await verifier.me(token)).code === 'ERR_TOKEN_REVOKED' ? true : undefined,
        );
      }
      assert.equal((await verifier.me(tokens[2]!)).status, 200, `${verifier.name}: the others live on`);
    }

    // The throttle counters live in the cluster too: failed sign-ins are counted there, each key on
    // the node holding its slot (a single-node client there would be answered MOVED for most).
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await client.send({
        method: 'POST',
        path: '/auth/login',
        json: { email: emails[3], password: 'not the password at all', strategy: 'token' },
      });
      assert.equal(answer.status, 401);
    }
    const throttleKeys = await Promise.all(
      cluster.nodes('master').map((node) => node.keys('gatehouse:throttle:*')),
    );
    t.diagnostic(`throttle keys per node: ${throttleKeys.map((keys) => keys.length).join(' / ')}`);
    const limiters = new Set(throttleKeys.flat().map((key) => key.split(':')[2]));
    for (const limiter of [
      'register-ip',
      'login-ip',
      'login-account',
      'login-account-hour',
      'login-global',
    ]) {
      assert.ok(limiters.has(limiter), `the ${limiter} counter is in the cluster`);
    }
  });

  it('starts from GATEHOUSE_REDIS_CLUSTER_NODES while the node REDIS_URL names is down, and not without them', {
    skip: unavailable ?? false,
  }, async (t) => {
    const nodes = await startTestCluster(3);
    t.after(() => nodes.stop());
    // A node being restarted, say: nothing listens at REDIS_URL's address.
    const down = `redis://127.0.0.1:${await freePort()}`;
    const others = nodes.nodes.map((node) => `${node.host}:${node.port}`).join(',');
    const started = performance.now();
    await assert.rejects(
      startAuthServer({ env: redisClusterStore(down) }),
      /None of startup nodes is available/,
    );
    t.diagnostic(
      `without the setting: refused to start after ${(performance.now() - started).toFixed(0)} ms`,
    );

    const auth = await startAuthServer({
      env: { ...redisClusterStore(down), GATEHOUSE_REDIS_CLUSTER_NODES: others },
    });
    t.after(() => auth.close());
    assert.equal((await fetch(`${auth.server.url}/readyz`)).status, 200);
    const email = uniqueEmail('cluster-nodes');
    await auth.client.register(email);
    const token = await auth.client.loginWithToken(email);
    assert.equal((await auth.client.me(token)).status, 200);
    await auth.client.logout(token);
    assert.equal((await auth.client.me(token)).status, 401);
    const cluster = new Cluster(nodes.nodes, { clusterRetryStrategy: () => null });
    t.after(() => cluster.disconnect());
    await cluster.ping(); // connected: it knows its nodes
    assert.ok(
      (await keysPerNode(cluster, 'gatehouse:{u:*')).some((count) => count > 0),
      'state in the cluster',
    );
  });
});
