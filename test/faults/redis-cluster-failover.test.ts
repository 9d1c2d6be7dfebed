/**
 * A Redis Cluster master dies and its replica takes over, under a server configured with
 * `GATEHOUSE_REDIS_CLUSTER=on` and `GATEHOUSE_STORE=redis`: three masters with a replica each,
 * started by the test, the master holding the revocation feed's slot killed (SIGKILL), the very
 * node REDIS_URL names (server and verifiers found the others from it). The server
 * answers 503 (never 500) while the slot has no master and recovers by itself once the replica is
 * promoted; verifiers fail closed meanwhile, never accept the token signed out before, and refuse
 * a sign-out made after the failover.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clusterUnavailableReason,
  startTestCluster,
} from '../../packages/server/src/store/redis/test-cluster.ts';
import { queryRedis } from '../../packages/server/src/store/redis/test-redis-server.ts';
import {
  redisClusterStore,
  startAuthServer,
  startVerifierServices,
  uniqueEmail,
} from '../e2e/support/gatehouse-stack.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { MAX_STALENESS_MS } from './feed-support.ts';

const STREAM_KEY = 'gatehouse:revocations';
const unavailable = clusterUnavailableReason();

/** The port of the master that serves `key`'s slot, as the node on `port` sees it. */
async function masterOf(port: number, key: string): Promise<number> {
  const slot = Number(await queryRedis(port, ['CLUSTER', 'KEYSLOT', key]));
  const ranges = (await queryRedis(port, ['CLUSTER', 'SLOTS'])) as Array<[number, number, [string, number]]>;
  const range = ranges.find(([first, last]) => first <= slot && slot <= last);
  if (!range) throw new Error(`no master serves slot ${slot}`);
  return range[2][1];
}

describe('faults: a Redis Cluster master fails over', { timeout: 120_000 }, () => {
  it('the server answers 503 meanwhile and recovers; verifiers never accept a revoked token', {
    skip: unavailable ?? false,
  }, async (t) => {
    const nodes = await startTestCluster(3, { replicas: 1 });
    t.after(() => nodes.stop());
    // REDIS_URL names the very node that dies: the clients must carry on with the nodes they found.
    const victim = await masterOf(nodes.nodes[0]!.port, STREAM_KEY);
    const redisUrl = `redis://127.0.0.1:${victim}`;
    const auth = await startAuthServer({ env: redisClusterStore(redisUrl) });
    t.after(() => auth.close());
    const verifiers = await startVerifierServices([
      {
        ...auth.verifierOptions,
        name: 'cluster (redis)',
        feed: 'redis',
        redisUrl,
        redisCluster: true,
        maxStalenessMs: MAX_STALENESS_MS,
      },
      { ...auth.verifierOptions, name: 'cluster (sse)', feed: 'sse', maxStalenessMs: MAX_STALENESS_MS },
    ]);
    t.after(() => Promise.allSettled(verifiers.map((verifier) => verifier.stop())));

    const email = uniqueEmail('cluster-failover');
    await auth.client.register(email);
    const signedOut = await auth.client.loginWithToken(email);
    const live = await auth.client.loginWithToken(email);
    await auth.client.logout(signedOut);
    for (const verifier of verifiers) {
      await waitFor(`${verifier.name} to refuse the signed-out token`, async () =>
        (await verifier.me(signedOut)).code === 'ERR_TOKEN_REVOKED' ? true : undefined,
      );
      assert.equal((await verifier.me(live)).status, 200);
    }

    const witness = nodes.nodes.find((node) => node.port !== victim)!.port;
    await nodes.kill(victim);
    const killedAt = performance.now();
    const answers = new Set<string>();
    const probe = async () => {
      const me = await auth.client.me(live);
      answers.add(`server ${me.status}`);
      assert.notEqual(me.status, 500, 'never 500');
      for (const verifier of verifiers) {
        const revoked = await verifier.me(signedOut);
        answers.add(`${verifier.name}: signed out ${revoked.status} ${revoked.code ?? ''}`.trim());
        assert.notEqual(revoked.status, 200, `${verifier.name} accepted the signed-out token`);
      }
    };
    await waitFor(
      'a replica to take the slot over',
      async () => {
        await probe();
        return (await masterOf(witness, STREAM_KEY)) !== victim ? true : undefined;
      },
      { intervalMs: 100, timeoutMs: 20_000 },
    );
    const promotedAt = performance.now();
    const last = new Map<string, string>();
    t.after(() =>
      t.diagnostic(
        `last answers for the live token: ${[...last].join('; ')}; seen: ${[...answers].join('; ')}`,
      ),
    );
    await waitFor(
      'the server and both verifiers to accept the live token again',
      async () => {
        await probe();
        let all = (await auth.client.me(live)).status === 200;
        for (const verifier of verifiers) {
          const reply = await verifier.me(live);
          last.set(verifier.name, `${reply.status} ${reply.code ?? ''}`);
          if (reply.status !== 200) all = false;
        }
        return all ? true : undefined;
      },
      { intervalMs: 100, timeoutMs: 30_000 },
    );
    t.diagnostic(
      `replica promoted ${(promotedAt - killedAt).toFixed(0)} ms after the master died; all accept the live token ${(performance.now() - killedAt).toFixed(0)} ms after; seen: ${[...answers].join('; ')}`,
    );

    // After the failover: a sign-out reaches both verifiers, a sign-in works.
    await auth.client.logout(live);
    for (const verifier of verifiers) {
      await waitFor(`${verifier.name} to refuse the token signed out after the failover`, async () =>
        (await verifier.me(live)).code === 'ERR_TOKEN_REVOKED' ? true : undefined,
      );
    }
    const again = await auth.client.loginWithToken(email);
    for (const verifier of verifiers) {
      await waitFor(`${verifier.name} to accept a new sign-in`, async () =>
        (await verifier.me(again)).status === 200 ? true : undefined,
      );
    }
  });
});
