import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FeedMessage } from '@gatehouse/core';
import { createManualClock, makeSession, makeUser, runStoreSuite } from '@gatehouse/core/testing';
import { Cluster } from 'ioredis';
import { feedKeysFor, liveSetKeyFor } from '../../feed/live-set-key.ts';
import { createRedisStreamFeed } from '../../feed/redis-stream-feed.ts';
import { openRedisStore } from './redis-store.ts';
import { clusterUnavailableReason, startTestCluster, type TestCluster } from './test-cluster.ts';
import { createTestKeyPrefix, deleteKeysWithPrefix } from './test-redis.ts';

const unavailable = clusterUnavailableReason();

if (unavailable) {
  describe('GatehouseStore conformance: redis cluster', () => {
    it('needs a local redis-server', { skip: unavailable }, () => {});
  });
} else {
  let cluster: TestCluster | undefined;
  let client: Cluster | undefined;

  before(
    async () => {
      cluster = await startTestCluster(3);
      client = new Cluster(cluster.nodes, { clusterRetryStrategy: () => null });
      await client.ping();
    },
    { timeout: 90_000 },
  );

  after(
    async () => {
      client?.disconnect();
      await cluster?.stop();
    },
    { timeout: 15_000 },
  );

  const connected = (): Cluster => {
    if (!client) throw new Error('no cluster: the before hook did not run');
    return client;
  };

  runStoreSuite('redis cluster', async () => {
    const keyPrefix = createTestKeyPrefix();
    return {
      store: await openRedisStore({ client: connected(), keyPrefix }),
      cleanup: () => deleteKeysWithPrefix(connected(), keyPrefix),
    };
  });

  describe('redis cluster specifics', () => {
    it('spreads users over the nodes and keeps each user’s records in one slot', async (t) => {
      const keyPrefix = createTestKeyPrefix();
      const store = await openRedisStore({ client: connected(), keyPrefix });
      t.after(() => deleteKeysWithPrefix(connected(), keyPrefix));
      const T0 = Date.UTC(2026, 0, 1);
      for (let index = 0; index < 30; index++) {
        const userId = randomBytes(12).toString('base64url');
        const sessionId = randomBytes(12).toString('base64url');
        await store.users.create({
          id: userId,
          email: `u${index}-${userId.toLowerCase()}@example.com`,
          passwordHash: 'hash',
          roles: [],
          status: 'active',
          createdAt: T0,
          updatedAt: T0,
          passwordChangedAt: T0,
        });
        await store.sessions.create({
          id: sessionId,
          userId,
          secretHash: 'hash',
          strategy: 'session',
          createdAt: T0,
          lastSeenAt: T0,
          idleExpiresAt: T0 + 60_000,
          absoluteExpiresAt: T0 + 120_000,
          userAgent: null,
          ip: null,
        });
        await store.refreshTokens.issue({
          hash: randomBytes(12).toString('base64url'),
          sessionId,
          createdAt: T0,
        });
      }

      const holders = new Set<string>();
      const slotsByUser = new Map<string, Set<unknown>>();
      for (const node of connected().nodes('master')) {
        const [, keys] = await node.scan('0', 'MATCH', `${keyPrefix}{u:*`, 'COUNT', 10_000);
        if (keys.length > 0) holders.add(`${node.options.host}:${node.options.port}`);
        for (const key of keys) {
          const tag = key.slice(keyPrefix.length, key.indexOf('}') + 1);
          const slots = slotsByUser.get(tag) ?? new Set();
          slots.add(await node.call('CLUSTER', 'KEYSLOT', key));
          slotsByUser.set(tag, slots);
        }
      }
      assert.equal(slotsByUser.size, 30);
      for (const [tag, slots] of slotsByUser) assert.equal(slots.size, 1, tag);
      assert.ok(holders.size > 1, 'users land on more than one node');
    });

    it('carries the revocation feed: publish, snapshot, follow', async (t) => {
      const streamKey = `gh-test-feed-${randomBytes(8).toString('hex')}`;
      const clock = createManualClock(Date.UTC(2026, 0, 1));
      const feed = createRedisStreamFeed({ client: connected(), streamKey, clock, blockMs: 200 });
      t.after(() => connected().del(streamKey, liveSetKeyFor(streamKey)));
      const first = { type: 'session' as const, sid: 's1', sub: 'u1', until: clock.now() + 60_000 };
      const second = { type: 'user' as const, sub: 'u2', before: clock.now(), until: clock.now() + 60_000 };
      await feed.publish([first]);
      const snapshot = await feed.snapshot();
      assert.deepEqual(snapshot.events, [first]);
      await feed.publish([second]);
      const received: FeedMessage[] = [];
      const stop = new AbortController();
      await feed.follow(
        snapshot.cursor,
        (message) => {
          received.push(message);
          stop.abort();
        },
        AbortSignal.any([stop.signal, AbortSignal.timeout(5000)]),
      );
      assert.deepEqual(
        received.map((message) => message.kind === 'event' && message.event),
        [second],
      );
    });

    it('waits for replicas on the node that holds the revoked records (WAIT rides with the write)', async (t) => {
      const keyPrefix = createTestKeyPrefix();
      // This cluster has no replicas: every confirmed write times out, after it took effect.
      const store = await openRedisStore({
        client: connected(),
        keyPrefix,
        waitForReplicas: { replicas: 1, timeoutMs: 50 },
      });
      t.after(async () => {
        await store.close();
        await deleteKeysWithPrefix(connected(), keyPrefix);
      });
      const user = makeUser();
      const userId = user.id;
      assert.equal(await store.users.create(user), true, 'sign-ups do not wait');
      await store.sessions.create(makeSession(userId, { id: 'sid-1' }));
      await assert.rejects(store.sessions.revoke('sid-1', undefined, userId), { name: 'ReplicaWaitError' });
      assert.equal(await store.sessions.get('sid-1'), null, 'the script ran on the node of its keys');
      await assert.rejects(store.users.update(userId, { status: 'suspended' }), { name: 'ReplicaWaitError' });
      assert.equal((await store.users.getById(userId))?.status, 'suspended');
    });

    it('binds the feed’s epoch to the replication id of the node holding its slot, and seeds again on another', async (t) => {
      const streamKey = `gh-test-feed-${randomBytes(8).toString('hex')}`;
      const keys = feedKeysFor(streamKey);
      const reseeds: string[] = [];
      const durable = [{ type: 'token' as const, jti: 'j1', until: Date.now() + 60_000 }];
      const feed = createRedisStreamFeed({
        client: connected(),
        streamKey,
        clock: { now: Date.now },
        seed: async () => durable,
        onReseed: (info) => reseeds.push(`${info.reason}:${info.events}`),
      });
      t.after(() => connected().del(streamKey, ...Object.values(keys)));
      await feed.heartbeat();
      // INFO from a script on one of the feed's keys: it runs on the node holding the slot.
      const info = await connected().eval("return redis.call('INFO', 'replication')", 1, keys.replid);
      const replid = /^master_replid:(\w+)/m.exec(String(info))?.[1];
      assert.ok(replid);
      assert.equal(await connected().get(keys.replid), replid);
      assert.equal((await feed.snapshot()).complete, undefined);

      await connected().set(keys.replid, 'the-replication-id-of-a-failed-primary');
      assert.equal((await feed.snapshot()).complete, false);
      await feed.heartbeat();
      assert.deepEqual(reseeds, ['missing:1', 'failover:1']);
      assert.equal(await connected().get(keys.replid), replid);
    });
  });
}
