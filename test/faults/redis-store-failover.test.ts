/**
 * The Redis store (`GATEHOUSE_STORE=redis`) across a failover: replication is asynchronous, so a
 * promoted replica may lack the primary's newest writes. For real: a primary and its replica (the
 * replica following through a proxy of its own, which the test cuts), the auth server reaching the
 * primary through another proxy that moves to the promoted replica.
 * - Without `GATEHOUSE_REDIS_WAIT_REPLICAS`: a sign-out answered 204 is undone by the failover,
 *   and the signed-out cookie works again (the risk docs/stores.md states).
 * - With it: a sign-out is answered 204 only once the replica has it, and survives the failover;
 *   one the replica cannot confirm answers 503 + Retry-After, and its retry, once a new replica
 *   follows the promoted one, ends the session. The access token's event, lost with the primary's
 *   tail, is written again by the server's seed after the failover (what it published lately):
 *   a verifier started afterwards refuses the token from its first answer.
 * - Redis unreachable with it: sign-outs answer 503 at once (no hang, no 500), and are confirmed
 *   again once it is back.
 * - The store itself: a revocation waits as long as asked (past the store's command timeout), and
 *   holds no read behind it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { makeSession, makeUser } from '@gatehouse/core/testing';
import { openRedisStore } from '../../packages/server/src/store/redis/redis-store.ts';
import { ReplicaWaitError } from '../../packages/server/src/store/redis/replica-wait.ts';
import { queryRedis, startTestRedisServer } from '../../packages/server/src/store/redis/test-redis-server.ts';
import { type AuthClient, type Credential, createAuthClient } from '../e2e/support/auth-client.ts';
import { AUDIENCE, ISSUER, startVerifierServices, uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { type ReplicatedRedis, replicaCaughtUp, startReplicatedRedis } from './replicated-redis.ts';
import { startFaultServer } from './support.ts';

// The product's default: a healthy replica on a loaded test machine confirms well within it.
const WAIT_MS = 1000;
/** What "at once" and "never behind a WAIT" allow. */
const PROMPT_MS = 500;
const SERVICE_TOKEN = 'a-service-token-for-the-redis-store-failover-test-0123';

/**
 * Signs `credential` out as a client honouring Retry-After does: again while the answer is 503 (a
 * store connection still reconnecting after the address moved, or replicas slower than the wait).
 * Ends in 204, or in 401 after a 503 whose write took effect though unconfirmed: ended either way.
 */
async function signOutOnceReady(client: AuthClient, credential: Credential): Promise<void> {
  let refused = false;
  await waitFor('the sign-out to be done', async () => {
    const { status } = await client.logoutAnswer(credential);
    if (status === 503) refused = true;
    else assert.ok(status === 204 || (status === 401 && refused), `sign-out answered ${status}`);
    return status === 503 ? undefined : true;
  });
}

/** A Redis-store auth server on `redis`, with `env` added; closed (with `redis`) when the test ends. */
async function redisStoreServer(
  t: { after(fn: () => Promise<void>): void },
  redis: ReplicatedRedis,
  env = {},
) {
  // Linked before the server starts, which counts the replicas once (its warning, /readyz).
  await replicaCaughtUp(redis.primary, redis.replica);
  const server = await startFaultServer({ GATEHOUSE_STORE: 'redis', REDIS_URL: redis.url, ...env });
  t.after(async () => {
    await server.close();
    await redis.stop();
  });
  return server;
}

/** The primary dies, the replica is promoted and takes the address; resolves once a login works there. */
async function failOver(redis: ReplicatedRedis, url: string, email: string) {
  await redis.failover();
  redis.moveAddress();
  await waitFor('a login after the failover', async () =>
    createAuthClient(url)
      .loginWithSession(email)
      .catch(() => undefined),
  );
}

describe('faults: the Redis store across a failover', { timeout: 120_000 }, () => {
  it('without GATEHOUSE_REDIS_WAIT_REPLICAS, the failover undoes a sign-out answered 204', async (t) => {
    const redis = await startReplicatedRedis();
    const server = await redisStoreServer(t, redis);
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as Record<string, unknown>;
    assert.equal(ready.redisReplicas, 1);
    assert.match(String(ready.warning), /1 replica\(s\), and GATEHOUSE_REDIS_WAIT_REPLICAS is 0/);
    const client = createAuthClient(server.url);
    const email = uniqueEmail('redis-store-no-wait');
    await client.register(email);
    const session = await client.loginWithSession(email);
    await replicaCaughtUp(redis.primary, redis.replica);

    redis.cutReplication();
    assert.equal((await client.logoutAnswer(session)).status, 204);
    assert.equal((await client.me(session)).status, 401);
    await failOver(redis, server.url, email);
    assert.equal((await client.me(session)).status, 200, 'the signed-out session is back');
  });

  it('with GATEHOUSE_REDIS_WAIT_REPLICAS=1, a 204 survives the failover; an unconfirmed sign-out answers 503', async (t) => {
    const redis = await startReplicatedRedis();
    const server = await redisStoreServer(t, redis, {
      GATEHOUSE_REDIS_WAIT_REPLICAS: '1',
      GATEHOUSE_REDIS_WAIT_MS: String(WAIT_MS),
      GATEHOUSE_SERVICE_TOKEN: SERVICE_TOKEN,
    });
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as Record<string, unknown>;
    assert.equal(ready.redisReplicas, 1);
    assert.doesNotMatch(String(ready.warning), /replica/, 'waited for: nothing to warn of replicas');
    const client = createAuthClient(server.url);
    const email = uniqueEmail('redis-store-wait');
    await client.register(email);
    const confirmed = await client.loginWithSession(email);
    const unconfirmed = await client.loginWithSession(email);
    const token = await client.loginWithToken(email);
    await replicaCaughtUp(redis.primary, redis.replica);
    assert.equal((await client.logoutAnswer(confirmed)).status, 204, 'the replica confirms at once');

    redis.cutReplication();
    const started = performance.now();
    const refused = await client.logoutAnswer(unconfirmed);
    const waited = performance.now() - started;
    assert.deepEqual([refused.status, JSON.parse(refused.body)], [503, { error: 'temporarily_unavailable' }]);
    assert.ok(refused.raw.headers.get('retry-after'), 'Retry-After');
    assert.ok(waited >= WAIT_MS, `answered after the wait (${waited.toFixed(0)} ms)`);
    t.diagnostic(`unconfirmed sign-out answered 503 after ${waited.toFixed(0)} ms (wait ${WAIT_MS} ms)`);
    assert.equal((await client.logoutAnswer(token)).status, 503);

    await failOver(redis, server.url, email);
    assert.equal((await client.me(confirmed)).status, 401, 'the confirmed sign-out survived');
    // The 503 said the sign-out was not done: it was not, on the promoted replica. Retried once a
    // new replica follows it (until then no revocation there can be confirmed), it is.
    assert.equal((await client.me(unconfirmed)).status, 200);
    const next = await startTestRedisServer({ replicaOf: redis.replica.port });
    t.after(() => next.stop());
    await replicaCaughtUp(redis.replica, next);
    await signOutOnceReady(client, unconfirmed);
    assert.equal((await client.me(unconfirmed)).status, 401);

    // The token's sign-out: its event (published before the store's write, which answered 503) was
    // lost with the primary's tail, and no durable store holds it. The server wrote it again when it
    // seeded the feed after the failover (what it published lately), so a verifier started now
    // refuses the token: before, it accepted it until the retry. The retry changes nothing there.
    const [verifier] = await startVerifierServices([
      {
        name: 'after the failover (redis)',
        feed: 'redis',
        redisUrl: redis.url,
        authUrl: server.url,
        issuer: ISSUER,
        audience: AUDIENCE,
        serviceToken: SERVICE_TOKEN,
        maxStalenessMs: 1500,
      },
    ]);
    t.after(() => verifier!.stop());
    await waitFor('the verifier to refuse the token its lost event names', async () => {
      const reply = await verifier!.me(token);
      assert.notEqual(reply.status, 200, 'the verifier accepted the token whose event the failover lost');
      return reply.status === 401 && reply.code === 'ERR_TOKEN_REVOKED' ? true : undefined;
    });
    await signOutOnceReady(client, token);
    await waitFor('the verifier to refuse the token signed out again', async () => {
      const reply = await verifier!.me(token);
      return reply.status === 401 && reply.code === 'ERR_TOKEN_REVOKED' ? true : undefined;
    });
  });

  it('with GATEHOUSE_REDIS_WAIT_REPLICAS=1, Redis unreachable: sign-outs answer 503 at once, and are confirmed again once it is back', async (t) => {
    const redis = await startReplicatedRedis();
    const server = await redisStoreServer(t, redis, {
      GATEHOUSE_REDIS_WAIT_REPLICAS: '1',
      GATEHOUSE_REDIS_WAIT_MS: String(WAIT_MS),
    });
    const client = createAuthClient(server.url);
    const email = uniqueEmail('redis-store-wait-outage');
    await client.register(email);
    const session = await client.loginWithSession(email);
    await replicaCaughtUp(redis.primary, redis.replica);

    redis.cutAddress();
    const started = performance.now();
    const refused = await client.logoutAnswer(session);
    const tookMs = performance.now() - started;
    assert.deepEqual([refused.status, JSON.parse(refused.body)], [503, { error: 'temporarily_unavailable' }]);
    assert.ok(refused.raw.headers.get('retry-after'), 'Retry-After');
    assert.ok(tookMs < PROMPT_MS, `answered at once, not after a wait (${tookMs.toFixed(0)} ms)`);

    // Back: the store's connections, the confirmed-writes one among them, reconnect by themselves.
    redis.restoreAddress();
    await waitFor('the sign-out to be confirmed again', async () => {
      const answer = await client.logoutAnswer(session);
      assert.notEqual(answer.status, 500);
      return answer.status === 204 ? true : undefined;
    });
    assert.equal((await client.me(session)).status, 401);
  });

  it('a revocation waits as long as asked, past the store’s command timeout, and holds no read behind it', async (t) => {
    const redis = await startReplicatedRedis();
    // Longer than the store's 3 s command timeout: the wait, not the timeout, must end it.
    const waitMs = 3_500;
    const store = await openRedisStore({
      url: redis.url,
      keyPrefix: `gh-test-${randomBytes(6).toString('hex')}:`,
      waitForReplicas: { replicas: 1, timeoutMs: waitMs },
    });
    t.after(async () => {
      await store.close();
      await redis.stop();
    });
    const user = makeUser();
    const userId = user.id;
    await store.users.create(user);
    const session = (id: string) => makeSession(userId, { id });
    await store.sessions.create(session('s1'));
    await store.sessions.create(session('s2'));
    await replicaCaughtUp(redis.primary, redis.replica);
    assert.equal((await store.sessions.revoke('s1', undefined, userId))?.id, 's1', 'confirmed at once');

    redis.cutReplication();
    const revoking = store.sessions.revoke('s2', undefined, userId).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    const readStarted = performance.now();
    assert.equal((await store.users.getById(userId))?.id, userId);
    const readMs = performance.now() - readStarted;
    const outcome = await revoking;
    const waitedMs = performance.now() - readStarted;
    assert.ok(outcome instanceof ReplicaWaitError, `the revocation failed unconfirmed: ${String(outcome)}`);
    assert.ok(waitedMs >= waitMs * 0.95, `it waited for the replica (${waitedMs.toFixed(0)} ms)`);
    assert.ok(readMs < PROMPT_MS / 2, `a read took ${readMs.toFixed(1)} ms while the revocation waited`);
    assert.equal(await store.sessions.get('s2'), null, 'the primary applied it all the same');
    assert.equal(
      await queryRedis(redis.replica.port, ['ROLE']).then((role) => (role as string[])[0]),
      'slave',
    );
  });
});
