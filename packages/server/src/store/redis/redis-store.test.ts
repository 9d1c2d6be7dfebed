import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { GatehouseStore, SessionRecord, UserRecord } from '@gatehouse/core';
import { runStoreSuite } from '@gatehouse/core/testing';
import { Redis } from 'ioredis';
import { EXPIRY_SLACK_MS } from './context.ts';
import { createKeyLayout } from './key-layout.ts';
import { openRedisStore } from './redis-store.ts';
import { createTestKeyPrefix, deleteKeysWithPrefix, testRedisUrl } from './test-redis.ts';

runStoreSuite('redis', async () => {
  const keyPrefix = createTestKeyPrefix();
  return {
    store: await openRedisStore({ url: testRedisUrl, keyPrefix }),
    cleanup: async () => {
      const client = new Redis(testRedisUrl);
      try {
        await deleteKeysWithPrefix(client, keyPrefix);
      } finally {
        await client.quit();
      }
    },
  };
});

// The suite's clock: months behind the real one, which is the point of the TTL test below.
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

describe('openRedisStore (Redis specifics)', () => {
  let client: Redis;
  before(async () => {
    client = new Redis(testRedisUrl);
  });
  after(async () => {
    await client.quit();
  });

  async function setUp(t: TestContext) {
    const keyPrefix = createTestKeyPrefix();
    const store = await openRedisStore({ client, keyPrefix });
    t.after(async () => {
      await store.close();
      await deleteKeysWithPrefix(client, keyPrefix);
    });
    return { store, keyPrefix, keys: createKeyLayout(keyPrefix) };
  }

  const id = () => randomBytes(16).toString('base64url');
  async function seedUser(store: GatehouseStore, email = `${id()}@example.com`): Promise<UserRecord> {
    const user: UserRecord = {
      id: id(),
      email: email.toLowerCase(),
      passwordHash: 'hash',
      roles: [],
      status: 'active',
      createdAt: T0,
      updatedAt: T0,
      passwordChangedAt: T0,
    };
    assert.equal(await store.users.create(user), true);
    return user;
  }
  async function seedSession(store: GatehouseStore, userId: string): Promise<SessionRecord> {
    const session: SessionRecord = {
      id: id(),
      userId,
      secretHash: id(),
      strategy: 'hybrid',
      createdAt: T0,
      lastSeenAt: T0,
      idleExpiresAt: T0 + HOUR / 2,
      absoluteExpiresAt: T0 + 12 * HOUR,
      userAgent: null,
      ip: null,
    };
    await store.sessions.create(session);
    return session;
  }
  const rotation = (presentedHash: string, now: number) => ({
    presentedHash,
    successor: { hash: id(), createdAt: now },
    successorCipher: 'sealed',
    now,
    graceMs: 10_000,
    idleTtlMs: HOUR / 2,
    revocationUntil: now + 600_000,
  });

  it('validates its options before connecting', async () => {
    await assert.rejects(openRedisStore({}), TypeError);
    await assert.rejects(openRedisStore({ url: testRedisUrl, client }), TypeError);
    await assert.rejects(openRedisStore({ url: 'http://127.0.0.1:6379' }), TypeError);
    await assert.rejects(openRedisStore({ client, keyPrefix: 'gh{x}:' }), TypeError);
    const prefixed = new Redis(testRedisUrl, { keyPrefix: 'app:', lazyConnect: true });
    await assert.rejects(openRedisStore({ client: prefixed }), TypeError);
    prefixed.disconnect();
  });

  it('leaves open a client it was given', async (t) => {
    const { store } = await setUp(t);
    await store.close();
    assert.equal(await client.ping(), 'PONG');
  });

  it('sets TTLs measured on the caller’s clock, so a clock behind Redis’s expires nothing early', async (t) => {
    const { store, keys } = await setUp(t);
    const user = await seedUser(store);
    const session = await seedSession(store, user.id);
    const hash = id();
    await store.refreshTokens.issue({ hash, sessionId: session.id, createdAt: T0 });
    const base = keys.userBase(user.id);
    const lifetimeMs = 12 * HOUR + EXPIRY_SLACK_MS;
    for (const key of [
      keys.session(base, session.id),
      keys.sessionTokens(base, session.id),
      keys.refreshToken(base, hash),
      keys.sessionRoute(session.id),
      keys.refreshRoute(hash),
    ]) {
      const ttl = await client.pttl(key);
      assert.ok(ttl > lifetimeMs - 60_000 && ttl <= lifetimeMs, `${key}: ${ttl}`);
    }
    assert.equal(await client.pttl(keys.user(base)), -1, 'users do not expire');

    // A successor lives as long as the session has left at the rotation's `now`.
    const rotated = rotation(hash, T0 + (2 * HOUR) / 5);
    assert.equal((await store.refreshTokens.rotate(rotated)).outcome, 'rotated');
    const successorTtl = await client.pttl(keys.refreshToken(base, rotated.successor.hash));
    const remainingMs = 12 * HOUR - (2 * HOUR) / 5 + EXPIRY_SLACK_MS;
    assert.ok(successorTtl > remainingMs - 60_000 && successorTtl <= remainingMs, String(successorTtl));
  });

  it('keeps every record of a user under one hash tag, and routes outside any', async (t) => {
    const { store, keyPrefix } = await setUp(t);
    const users = [await seedUser(store), await seedUser(store)];
    for (const user of users) {
      const session = await seedSession(store, user.id);
      await store.refreshTokens.issue({ hash: id(), sessionId: session.id, createdAt: T0 });
    }
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
    for (const user of users) {
      const tag = `{u:${encodeURIComponent(user.id)}}`;
      const own = found.filter((key) => key.includes(user.id));
      const tagged = own.filter((key) => key.startsWith(`${keyPrefix}${tag}:`));
      // user, sessions, session, its token set and the token; plus the email route outside the tag.
      assert.equal(tagged.length, 5, tagged.join('\n'));
      assert.deepEqual(
        own.filter((key) => !tagged.includes(key)),
        [],
      );
    }
    for (const key of found.filter((key) => /:(email|sid|rt):/.test(key))) {
      assert.doesNotMatch(key, /[{}]/, 'routes are spread by their own name');
    }
  });

  it('grants nothing through a stale or redirected route', async (t) => {
    const { store, keys } = await setUp(t);
    const alice = await seedUser(store);
    const mallory = await seedUser(store);
    const session = await seedSession(store, alice.id);
    const hash = id();
    await store.refreshTokens.issue({ hash, sessionId: session.id, createdAt: T0 });

    await client.set(keys.sessionRoute(session.id), mallory.id);
    assert.equal(await store.sessions.get(session.id), null);
    assert.equal(await store.sessions.touch(session.id, T0 + 1, T0 + HOUR), false);
    assert.equal(await store.sessions.revoke(session.id), null);
    await client.set(keys.sessionRoute(session.id), alice.id);

    await client.set(keys.refreshRoute(hash), mallory.id);
    assert.deepEqual(await store.refreshTokens.rotate(rotation(hash, T0 + 1000)), { outcome: 'invalid' });
    assert.equal(await store.refreshTokens.sessionIdFor(hash), null);
    await client.set(keys.refreshRoute(hash), alice.id);
    assert.equal((await store.refreshTokens.rotate(rotation(hash, T0 + 2000))).outcome, 'rotated');

    await client.set(keys.emailRoute(alice.email), mallory.id);
    assert.equal(await store.users.getByEmail(alice.email), null);
    assert.deepEqual(await store.users.list({ query: alice.email, limit: 10, offset: 0 }), []);
  });

  it('lets exactly one of many concurrent creates have an email', async (t) => {
    const { store } = await setUp(t);
    const email = `race-${id()}@example.com`.toLowerCase();
    const candidates = Array.from({ length: 20 }, () => ({
      id: id(),
      email,
      passwordHash: 'hash',
      roles: [],
      status: 'active' as const,
      createdAt: T0,
      updatedAt: T0,
      passwordChangedAt: T0,
    }));
    const results = await Promise.all(candidates.map((user) => store.users.create(user)));
    assert.equal(results.filter(Boolean).length, 1);
    const winner = candidates[results.indexOf(true)]!;
    assert.deepEqual(await store.users.getByEmail(email), winner);
    assert.deepEqual(await store.users.list({ limit: 100, offset: 0 }), [winner]);
    for (const loser of candidates.filter((user) => user !== winner)) {
      assert.equal(await store.users.getById(loser.id), null);
    }
  });

  it('takes over the email route of a user whose delete never finished', async (t) => {
    const { store, keys } = await setUp(t);
    const gone = await seedUser(store, `reused-${id()}@example.com`);
    // A crash after the user's record went but before its route and list entry did.
    await client.del(keys.user(keys.userBase(gone.id)));
    const next = await seedUser(store, gone.email);
    assert.deepEqual(await store.users.getByEmail(gone.email), next);
    assert.deepEqual(await store.users.list({ limit: 10, offset: 0 }), [next]);
  });

  it('refuses a refresh token for a session it does not have', async (t) => {
    const { store } = await setUp(t);
    await assert.rejects(
      store.refreshTokens.issue({ hash: id(), sessionId: 'no-such-session', createdAt: T0 }),
    );
  });
});
