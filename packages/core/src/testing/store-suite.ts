import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type {
  AuditEvent,
  GatehouseStore,
  ResetTokenRecord,
  RotateRefreshInput,
  RotateRefreshResult,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from '../store/types.ts';

/** What `makeStore` hands the suite: a fresh, empty store and how to dispose of its backing resources. */
export interface StoreHarness {
  store: GatehouseStore;
  /** Runs after the suite has closed the store (drop the schema, delete the file). */
  cleanup?: () => Promise<void>;
}

/**
 * The one conformance suite every `GatehouseStore` backend passes. Every case gets its own fresh
 * store from `makeStore`, so cases never see each other's rows; the suite closes the store and then
 * calls `cleanup`.
 *
 * @example
 * runStoreSuite('memory', async () => ({ store: createMemoryStore() }));
 */
export function runStoreSuite(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`GatehouseStore conformance: ${name}`, () => {
    let harness: StoreHarness | undefined;
    const current = (): GatehouseStore => {
      if (!harness) throw new Error('no store: beforeEach did not run');
      return harness.store;
    };

    beforeEach(async () => {
      harness = await makeStore();
    });
    afterEach(async () => {
      const finished = harness;
      harness = undefined;
      await finished?.store.close();
      await finished?.cleanup?.();
    });

    describeLifecycle(current);
    describeUsers(current);
    describeSessions(current);
    describeRefreshRotation(current);
    describeRefreshLookup(current);
    describeKeys(current);
    describeAudit(current);
    describeResetTokens(current);
    describeRevocations(current);
  });
}

type CurrentStore = () => GatehouseStore;
type Outcome<Name extends RotateRefreshResult['outcome']> = Extract<RotateRefreshResult, { outcome: Name }>;

const T0 = Date.UTC(2026, 0, 1);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const IDLE_TTL_MS = 30 * MINUTE;
const ABSOLUTE_TTL_MS = 12 * HOUR;
const GRACE_MS = 10 * SECOND;

function randomToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}

/** Stands in for a SHA-256 (base64url) of a refresh or session secret. */
function randomHash(): string {
  return randomToken(32);
}

function makeUser(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: randomToken(),
    email: `user-${randomBytes(6).toString('hex')}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    roles: [],
    status: 'active',
    createdAt: T0,
    updatedAt: T0,
    passwordChangedAt: T0,
    ...overrides,
  };
}

function makeSession(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: randomToken(),
    userId,
    secretHash: randomHash(),
    strategy: 'session',
    createdAt: T0,
    lastSeenAt: T0,
    idleExpiresAt: T0 + IDLE_TTL_MS,
    absoluteExpiresAt: T0 + ABSOLUTE_TTL_MS,
    userAgent: 'Mozilla/5.0 (conformance)',
    ip: '203.0.113.7',
    ...overrides,
  };
}

function makeKey(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return {
    kid: randomToken(8),
    alg: 'ES256',
    publicJwk: JSON.stringify({ kty: 'EC', crv: 'P-256', x: randomToken(32), y: randomToken(32) }),
    privateKeyCipher: randomToken(64),
    status: 'active',
    createdAt: T0,
    retiredAt: null,
    ...overrides,
  };
}

function makeEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: randomToken(12),
    type: 'login.success',
    at: T0,
    actorId: null,
    subjectId: null,
    sessionId: null,
    ip: null,
    userAgent: null,
    data: {},
    ...overrides,
  };
}

/** A rotation as a real caller makes it: a fresh candidate successor and cipher every time. */
function makeRotation(presentedHash: string, now: number, overrides: Partial<RotateRefreshInput> = {}) {
  return {
    presentedHash,
    successor: { hash: randomHash(), createdAt: now },
    successorCipher: `sealed:${randomToken(24)}`,
    now,
    graceMs: GRACE_MS,
    idleTtlMs: IDLE_TTL_MS,
    ...overrides,
  } satisfies RotateRefreshInput;
}

async function seedUser(store: GatehouseStore, overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
  const user = makeUser(overrides);
  assert.equal(await store.users.create(user), true);
  return user;
}

async function seedSession(
  store: GatehouseStore,
  userId: string,
  overrides: Partial<SessionRecord> = {},
): Promise<SessionRecord> {
  const session = makeSession(userId, overrides);
  await store.sessions.create(session);
  return session;
}

async function seedToken(store: GatehouseStore, sessionId: string): Promise<string> {
  const hash = randomHash();
  await store.refreshTokens.issue({ hash, sessionId, createdAt: T0 });
  return hash;
}

/**
 * The interface has no way to read a refresh token, so deletion is proven by what a leftover row
 * would allow: recreate the session under the same id and show that none of the hashes rotates.
 */
async function assertTokensGone(store: GatehouseStore, session: SessionRecord, hashes: string[]) {
  await store.sessions.create(session);
  for (const hash of hashes) {
    assert.deepEqual(await store.refreshTokens.rotate(makeRotation(hash, T0 + SECOND)), {
      outcome: 'invalid',
    });
  }
}

function byId<T extends { id: string }>(records: T[]): T[] {
  return [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function describeLifecycle(current: CurrentStore) {
  describe('lifecycle', () => {
    it('names its kind and answers ping', async () => {
      const store = current();
      assert.equal(typeof store.kind, 'string');
      assert.ok(store.kind.length > 0);
      await store.ping();
    });
  });
}

function describeUsers(current: CurrentStore) {
  describe('users', () => {
    it('creates a user and reads it back by id and by email', async () => {
      const store = current();
      const user = makeUser({ roles: ['admin', 'support'], status: 'suspended', passwordChangedAt: T0 + 5 });
      assert.equal(await store.users.create(user), true);
      assert.deepEqual(await store.users.getById(user.id), user);
      assert.deepEqual(await store.users.getByEmail(user.email), user);
      assert.equal(await store.users.getById('no-such-user'), null);
      assert.equal(await store.users.getByEmail('nobody@example.com'), null);
    });

    it('refuses a taken email and changes nothing', async () => {
      const store = current();
      const first = await seedUser(store, { roles: ['admin'] });
      const second = makeUser({ email: first.email, roles: ['other'], createdAt: T0 + 1 });
      assert.equal(await store.users.create(second), false);
      assert.equal(await store.users.getById(second.id), null);
      assert.deepEqual(await store.users.getByEmail(first.email), first);
      assert.deepEqual(await store.users.list({ limit: 10, offset: 0 }), [first]);
    });

    it('hands out copies, not live references', async () => {
      const store = current();
      const user = await seedUser(store, { roles: ['reader'] });
      const read = await store.users.getById(user.id);
      read!.roles.push('admin');
      assert.deepEqual((await store.users.getById(user.id))!.roles, ['reader']);
    });

    it('applies a patch, leaves other fields alone and returns the updated record', async () => {
      const store = current();
      const user = await seedUser(store, { roles: ['reader'] });
      const patch = {
        passwordHash: '$argon2id$new',
        roles: ['reader', 'admin'],
        status: 'suspended' as const,
        updatedAt: T0 + HOUR,
        passwordChangedAt: T0 + HOUR,
      };
      const expected = { ...user, ...patch };
      assert.deepEqual(await store.users.update(user.id, patch), expected);
      assert.deepEqual(await store.users.getById(user.id), expected);
    });

    it('treats absent and undefined patch fields as unchanged', async () => {
      const store = current();
      const user = await seedUser(store, { roles: ['reader'] });
      const updated = await store.users.update(user.id, { roles: undefined, updatedAt: T0 + 1 });
      assert.deepEqual(updated, { ...user, updatedAt: T0 + 1 });
      assert.deepEqual(await store.users.update(user.id, {}), { ...user, updatedAt: T0 + 1 });
    });

    it('update returns null for an unknown user', async () => {
      const store = current();
      assert.equal(await store.users.update('no-such-user', { status: 'suspended' }), null);
    });

    it('delete removes the user with their sessions and refresh tokens, and only theirs', async () => {
      const store = current();
      const user = await seedUser(store);
      const other = await seedUser(store);
      const sessions = [await seedSession(store, user.id), await seedSession(store, user.id)];
      const hashes = [await seedToken(store, sessions[0]!.id), await seedToken(store, sessions[1]!.id)];
      const otherSession = await seedSession(store, other.id);
      const otherHash = await seedToken(store, otherSession.id);

      assert.equal(await store.users.delete(user.id), true);
      assert.equal(await store.users.getById(user.id), null);
      assert.equal(await store.users.getByEmail(user.email), null);
      for (const session of sessions) assert.equal(await store.sessions.get(session.id), null);
      assert.equal(await store.users.delete(user.id), false);

      assert.deepEqual(await store.users.getById(other.id), other);
      assert.deepEqual(await store.sessions.get(otherSession.id), otherSession);
      const rotated = await store.refreshTokens.rotate(makeRotation(otherHash, T0 + SECOND));
      assert.equal(rotated.outcome, 'rotated');

      assert.equal(await store.users.create(user), true);
      for (const session of sessions) await assertTokensGone(store, session, hashes);
    });

    it('lists by email in code-point order, with limit and offset', async () => {
      const store = current();
      const emails = [
        'ab@example.com',
        'a_b@example.com',
        'zed@example.com',
        'a.b@example.com',
        'b@example.com',
      ];
      for (const email of emails) await seedUser(store, { email });
      const all = await store.users.list({ limit: 100, offset: 0 });
      assert.deepEqual(
        all.map((user) => user.email),
        ['a.b@example.com', 'a_b@example.com', 'ab@example.com', 'b@example.com', 'zed@example.com'],
      );
      const page = await store.users.list({ limit: 2, offset: 1 });
      assert.deepEqual(page, all.slice(1, 3));
      assert.deepEqual(await store.users.list({ limit: 10, offset: 5 }), []);
      assert.deepEqual(await store.users.list({ limit: 0, offset: 0 }), []);
      assert.equal(await store.users.count({}), 5);
      await store.users.delete(all[0]!.id);
      assert.equal(await store.users.count({}), 4, 'a deleted user is not counted');
    });

    it('filters by a case-insensitive, literal substring of the email', async () => {
      const store = current();
      for (const email of [
        'alice@example.com',
        'malice@example.org',
        'bob@example.com',
        'a_b@x.io',
        'axb@x.io',
      ]) {
        await seedUser(store, { email });
      }
      const emails = async (query: string, limit = 10, offset = 0) =>
        (await store.users.list({ query, limit, offset })).map((user) => user.email);
      assert.deepEqual(await emails('ALICE'), ['alice@example.com', 'malice@example.org']);
      assert.deepEqual(await emails('alice', 1, 1), ['malice@example.org']);
      assert.deepEqual(await emails('.com'), ['alice@example.com', 'bob@example.com']);
      assert.deepEqual(await emails('_'), ['a_b@x.io']);
      assert.deepEqual(await emails('%'), []);
      assert.deepEqual(await emails('nobody'), []);
      assert.equal((await emails('')).length, 5);
      for (const [query, expected] of [
        ['ALICE', 2],
        ['.com', 2],
        ['_', 1],
        ['%', 0],
        ['', 5],
      ] as const)
        assert.equal(await store.users.count({ query }), expected, `count of "${query}"`);
    });
  });
}

function describeSessions(current: CurrentStore) {
  describe('sessions', () => {
    it('creates a session and reads it back', async () => {
      const store = current();
      const user = await seedUser(store);
      const session = await seedSession(store, user.id, { strategy: 'hybrid' });
      const anonymous = await seedSession(store, user.id, { strategy: 'token', userAgent: null, ip: null });
      assert.deepEqual(await store.sessions.get(session.id), session);
      assert.deepEqual(await store.sessions.get(anonymous.id), anonymous);
      assert.equal(await store.sessions.get('no-such-session'), null);
    });

    it('touch records activity, and reports a missing session', async () => {
      const store = current();
      const user = await seedUser(store);
      const session = await seedSession(store, user.id);
      assert.equal(await store.sessions.touch(session.id, T0 + MINUTE, T0 + MINUTE + IDLE_TTL_MS), true);
      assert.deepEqual(await store.sessions.get(session.id), {
        ...session,
        lastSeenAt: T0 + MINUTE,
        idleExpiresAt: T0 + MINUTE + IDLE_TTL_MS,
      });
      assert.equal(await store.sessions.touch('no-such-session', T0, T0), false);
    });

    it('revoke deletes the session with its refresh tokens and returns what it deleted', async () => {
      const store = current();
      const user = await seedUser(store);
      const session = await seedSession(store, user.id);
      const kept = await seedSession(store, user.id);
      const hashes = [await seedToken(store, session.id), await seedToken(store, session.id)];
      const keptHash = await seedToken(store, kept.id);

      assert.deepEqual(await store.sessions.revoke(session.id), session);
      assert.equal(await store.sessions.get(session.id), null);
      assert.equal(await store.sessions.revoke(session.id), null);
      assert.deepEqual(await store.sessions.get(kept.id), kept);
      assert.equal(
        (await store.refreshTokens.rotate(makeRotation(keptHash, T0 + SECOND))).outcome,
        'rotated',
      );
      await assertTokensGone(store, session, hashes);
    });

    it('revokeAllForUser deletes every session of the user but the excepted one', async () => {
      const store = current();
      const user = await seedUser(store);
      const other = await seedUser(store);
      const doomed = [await seedSession(store, user.id), await seedSession(store, user.id)];
      const kept = await seedSession(store, user.id);
      const othersSession = await seedSession(store, other.id);
      const doomedHashes = [await seedToken(store, doomed[0]!.id), await seedToken(store, doomed[1]!.id)];
      const currentHash = await seedToken(store, kept.id);

      const revoked = await store.sessions.revokeAllForUser(user.id, kept.id);
      assert.deepEqual(byId(revoked), byId(doomed));
      for (const session of doomed) assert.equal(await store.sessions.get(session.id), null);
      assert.deepEqual(await store.sessions.get(kept.id), kept);
      assert.deepEqual(await store.sessions.get(othersSession.id), othersSession);
      assert.equal(
        (await store.refreshTokens.rotate(makeRotation(currentHash, T0 + SECOND))).outcome,
        'rotated',
      );
      for (const session of doomed) await assertTokensGone(store, session, doomedHashes);
    });

    it('revokeAllForUser without an exception deletes them all; an unknown user has none', async () => {
      const store = current();
      const user = await seedUser(store);
      const sessions = [await seedSession(store, user.id), await seedSession(store, user.id)];
      assert.deepEqual(byId(await store.sessions.revokeAllForUser(user.id)), byId(sessions));
      assert.deepEqual(await store.sessions.listForUser(user.id, T0), []);
      assert.deepEqual(await store.sessions.revokeAllForUser(user.id), []);
      assert.deepEqual(await store.sessions.revokeAllForUser('no-such-user'), []);
    });

    it('listForUser returns only the live sessions of that user, newest first', async () => {
      const store = current();
      const user = await seedUser(store);
      const other = await seedUser(store);
      const now = T0 + HOUR;
      const older = await seedSession(store, user.id, { createdAt: T0, idleExpiresAt: now + MINUTE });
      const newer = await seedSession(store, user.id, {
        createdAt: T0 + MINUTE,
        idleExpiresAt: now + MINUTE,
      });
      const newest = await seedSession(store, user.id, {
        createdAt: T0 + 2 * MINUTE,
        idleExpiresAt: now + 1,
      });
      await seedSession(store, user.id, { createdAt: T0 + 3 * MINUTE, idleExpiresAt: now - 1 });
      await seedSession(store, user.id, { createdAt: T0 + 4 * MINUTE, idleExpiresAt: now });
      await seedSession(store, user.id, {
        createdAt: T0 + 5 * MINUTE,
        idleExpiresAt: now + MINUTE,
        absoluteExpiresAt: now,
      });
      await seedSession(store, other.id, { createdAt: T0 + 6 * MINUTE, idleExpiresAt: now + MINUTE });

      assert.deepEqual(await store.sessions.listForUser(user.id, now), [newest, newer, older]);
      assert.deepEqual(await store.sessions.listForUser('no-such-user', now), []);
    });

    it('deleteExpired removes sessions expired at now, with their refresh tokens', async () => {
      const store = current();
      const user = await seedUser(store);
      const other = await seedUser(store);
      const now = T0 + HOUR;
      const live = await seedSession(store, user.id, { idleExpiresAt: now + 1 });
      const liveHash = await seedToken(store, live.id);
      const idle = await seedSession(store, user.id, { idleExpiresAt: now });
      const idleHash = await seedToken(store, idle.id);
      const absolute = await seedSession(store, other.id, {
        idleExpiresAt: now + MINUTE,
        absoluteExpiresAt: now - 1,
      });

      assert.equal(await store.sessions.deleteExpired(now), 2);
      assert.equal(await store.sessions.get(idle.id), null);
      assert.equal(await store.sessions.get(absolute.id), null);
      assert.deepEqual(await store.sessions.get(live.id), live);
      assert.equal(await store.sessions.deleteExpired(now), 0);
      assert.equal(
        (await store.refreshTokens.rotate(makeRotation(liveHash, T0 + SECOND))).outcome,
        'rotated',
      );
      await assertTokensGone(store, idle, [idleHash]);
    });

    it('countActive counts live sessions per strategy, zero included', async () => {
      const store = current();
      const user = await seedUser(store);
      const now = T0 + HOUR;
      assert.deepEqual(await store.sessions.countActive(now), { session: 0, hybrid: 0, token: 0 });
      await seedSession(store, user.id, { strategy: 'session', idleExpiresAt: now + 1 });
      await seedSession(store, user.id, { strategy: 'session', idleExpiresAt: now + 1 });
      await seedSession(store, user.id, { strategy: 'hybrid', idleExpiresAt: now + 1 });
      await seedSession(store, user.id, { strategy: 'hybrid', idleExpiresAt: now });
      await seedSession(store, user.id, {
        strategy: 'token',
        idleExpiresAt: now + 1,
        absoluteExpiresAt: now,
      });
      assert.deepEqual(await store.sessions.countActive(now), { session: 2, hybrid: 1, token: 0 });
    });
  });
}

function describeRefreshRotation(current: CurrentStore) {
  describe('refreshTokens.rotate', () => {
    async function seedFamily(sessionOverrides: Partial<SessionRecord> = {}) {
      const store = current();
      const user = await seedUser(store);
      const session = await seedSession(store, user.id, sessionOverrides);
      const hash = await seedToken(store, session.id);
      return { store, user, session, hash };
    }

    it('rotates a live token: the successor becomes live and the session is touched', async () => {
      const { store, session, hash } = await seedFamily();
      const now = T0 + 5 * MINUTE;
      const input = makeRotation(hash, now);
      const expected = { ...session, lastSeenAt: now, idleExpiresAt: now + IDLE_TTL_MS };

      assert.deepEqual(await store.refreshTokens.rotate(input), { outcome: 'rotated', session: expected });
      assert.deepEqual(await store.sessions.get(session.id), expected);
      const next = await store.refreshTokens.rotate(makeRotation(input.successor.hash, now + MINUTE));
      assert.equal(next.outcome, 'rotated');
    });

    it('never moves the idle deadline past the absolute one', async () => {
      const { store, session, hash } = await seedFamily({ absoluteExpiresAt: T0 + 10 * MINUTE });
      const now = T0 + 5 * MINUTE;
      const result = await store.refreshTokens.rotate(makeRotation(hash, now));
      const expected = { ...session, lastSeenAt: now, idleExpiresAt: T0 + 10 * MINUTE };
      assert.deepEqual(result, { outcome: 'rotated', session: expected });
      assert.deepEqual(await store.sessions.get(session.id), expected);
    });

    it('answers a replay inside the grace window with the same successor and changes nothing', async () => {
      const { store, session, hash } = await seedFamily();
      const first = makeRotation(hash, T0 + MINUTE);
      const rotated = await store.refreshTokens.rotate(first);
      assert.equal(rotated.outcome, 'rotated');
      const before = await store.sessions.get(session.id);

      const replay = makeRotation(hash, T0 + MINUTE + GRACE_MS / 2);
      assert.deepEqual(await store.refreshTokens.rotate(replay), {
        outcome: 'replayed',
        session: before,
        successorCipher: first.successorCipher,
      });
      const atEdge = makeRotation(hash, T0 + MINUTE + GRACE_MS);
      assert.deepEqual(await store.refreshTokens.rotate(atEdge), {
        outcome: 'replayed',
        session: before,
        successorCipher: first.successorCipher,
      });
      assert.deepEqual(await store.sessions.get(session.id), before);

      const later = T0 + 2 * MINUTE;
      for (const candidate of [replay, atEdge]) {
        const attempt = await store.refreshTokens.rotate(makeRotation(candidate.successor.hash, later));
        assert.deepEqual(attempt, { outcome: 'invalid' });
      }
      assert.equal(
        (await store.refreshTokens.rotate(makeRotation(first.successor.hash, later))).outcome,
        'rotated',
      );
    });

    it('hands out the same successor again, however late, while that successor was never used', async () => {
      const { store, session, hash } = await seedFamily();
      const first = makeRotation(hash, T0 + MINUTE, { graceMs: 0 });
      assert.equal((await store.refreshTokens.rotate(first)).outcome, 'rotated');
      // The reply was lost (a crash, a cut); the client comes back long after any grace window.
      for (const at of [T0 + MINUTE, T0 + 20 * MINUTE]) {
        const replay = await store.refreshTokens.rotate(makeRotation(hash, at, { graceMs: 0 }));
        assert.equal(replay.outcome, 'replayed', `replayed at +${(at - T0) / MINUTE} min`);
        assert.equal((replay as Outcome<'replayed'>).successorCipher, first.successorCipher);
      }
      assert.notEqual(await store.sessions.get(session.id), null, 'no family revoked');
      // The successor is still the one live child: it rotates, and no second child ever appeared.
      const next = await store.refreshTokens.rotate(makeRotation(first.successor.hash, T0 + 21 * MINUTE));
      assert.equal(next.outcome, 'rotated');
    });

    it('with graceMs 0 treats a replay after the successor was used as reuse, even at the same instant', async () => {
      const { store, session, hash } = await seedFamily();
      const now = T0 + MINUTE;
      const first = makeRotation(hash, now, { graceMs: 0 });
      assert.equal((await store.refreshTokens.rotate(first)).outcome, 'rotated');
      assert.equal(
        (await store.refreshTokens.rotate(makeRotation(first.successor.hash, now, { graceMs: 0 }))).outcome,
        'rotated',
      );
      const replay = await store.refreshTokens.rotate(makeRotation(hash, now, { graceMs: 0 }));
      assert.equal(replay.outcome, 'reused');
      assert.equal(await store.sessions.get(session.id), null);
    });

    it('treats a replay after the grace window as theft: the session and its whole family go', async () => {
      const { store, user, session, hash } = await seedFamily();
      const bystander = await seedSession(store, user.id);
      const bystanderHash = await seedToken(store, bystander.id);
      const first = makeRotation(hash, T0 + MINUTE);
      await store.refreshTokens.rotate(first);
      const second = makeRotation(first.successor.hash, T0 + 2 * MINUTE);
      const rotated = (await store.refreshTokens.rotate(second)) as Outcome<'rotated'>;
      assert.equal(rotated.outcome, 'rotated');

      const theft = await store.refreshTokens.rotate(makeRotation(hash, T0 + 3 * MINUTE));
      assert.deepEqual(theft, { outcome: 'reused', session: rotated.session });
      assert.equal(await store.sessions.get(session.id), null);
      const successor = await store.refreshTokens.rotate(
        makeRotation(second.successor.hash, T0 + 3 * MINUTE),
      );
      assert.deepEqual(successor, { outcome: 'invalid' });

      assert.deepEqual(await store.sessions.get(bystander.id), bystander);
      assert.equal(
        (await store.refreshTokens.rotate(makeRotation(bystanderHash, T0 + SECOND))).outcome,
        'rotated',
      );
      await assertTokensGone(store, session, [hash, first.successor.hash, second.successor.hash]);
    });

    it('is invalid for an unknown token, and creates nothing', async () => {
      const { store, session } = await seedFamily();
      const input = makeRotation(randomHash(), T0 + MINUTE);
      assert.deepEqual(await store.refreshTokens.rotate(input), { outcome: 'invalid' });
      assert.deepEqual(await store.refreshTokens.rotate(makeRotation(input.successor.hash, T0 + MINUTE)), {
        outcome: 'invalid',
      });
      assert.deepEqual(await store.sessions.get(session.id), session);
    });

    it('is invalid once the session is idle- or absolute-expired, and consumes nothing', async () => {
      const idle = await seedFamily({ idleExpiresAt: T0 + MINUTE });
      const expired = makeRotation(idle.hash, T0 + MINUTE);
      assert.deepEqual(await idle.store.refreshTokens.rotate(expired), { outcome: 'invalid' });
      assert.deepEqual(await idle.store.sessions.get(idle.session.id), idle.session);
      assert.deepEqual(await idle.store.refreshTokens.rotate(makeRotation(expired.successor.hash, T0)), {
        outcome: 'invalid',
      });
      // Still unconsumed: at an instant when the session was live, the same token rotates.
      assert.equal(
        (await idle.store.refreshTokens.rotate(makeRotation(idle.hash, T0 + SECOND))).outcome,
        'rotated',
      );

      const absolute = await seedFamily({
        absoluteExpiresAt: T0 + 2 * MINUTE,
        idleExpiresAt: T0 + 2 * MINUTE,
      });
      const late = makeRotation(absolute.hash, T0 + 3 * MINUTE);
      assert.deepEqual(await absolute.store.refreshTokens.rotate(late), { outcome: 'invalid' });
      assert.deepEqual(await absolute.store.sessions.get(absolute.session.id), absolute.session);
    });

    it('is invalid, not reuse, for a consumed token whose session has expired', async () => {
      const { store, session, hash } = await seedFamily({ absoluteExpiresAt: T0 + 2 * MINUTE });
      assert.equal((await store.refreshTokens.rotate(makeRotation(hash, T0 + MINUTE))).outcome, 'rotated');
      const after = await store.sessions.get(session.id);
      assert.deepEqual(await store.refreshTokens.rotate(makeRotation(hash, T0 + 2 * MINUTE)), {
        outcome: 'invalid',
      });
      assert.deepEqual(await store.sessions.get(session.id), after);
    });

    it('is invalid once the session is revoked', async () => {
      const { store, session, hash } = await seedFamily();
      await store.sessions.revoke(session.id);
      assert.deepEqual(await store.refreshTokens.rotate(makeRotation(hash, T0 + MINUTE)), {
        outcome: 'invalid',
      });
    });

    it('serialises 50 parallel rotations of one token: one winner, 49 replays of its successor', async () => {
      const { store, session, hash } = await seedFamily();
      // Warm up: a pooled backend opens its connections now, so the rotations below truly overlap
      // instead of running one by one while the pool is still connecting.
      await Promise.all(Array.from({ length: 50 }, () => store.sessions.get(session.id)));
      const now = T0 + MINUTE;
      const inputs = Array.from({ length: 50 }, () => makeRotation(hash, now));
      const results = await Promise.all(inputs.map((input) => store.refreshTokens.rotate(input)));

      const winners = inputs.filter((_, index) => results[index]!.outcome === 'rotated');
      assert.equal(winners.length, 1);
      const winner = winners[0]!;
      const replays = results.filter(
        (result): result is Outcome<'replayed'> => result.outcome === 'replayed',
      );
      assert.equal(replays.length, 49);
      assert.equal(results.filter((result) => result.outcome === 'reused').length, 0);
      for (const replay of replays) assert.equal(replay.successorCipher, winner.successorCipher);

      // Exactly one live child: the losers' candidates were never stored; the winner's rotates.
      const later = now + SECOND;
      for (const loser of inputs.filter((input) => input !== winner)) {
        const attempt = await store.refreshTokens.rotate(makeRotation(loser.successor.hash, later));
        assert.deepEqual(attempt, { outcome: 'invalid' });
      }
      assert.equal(
        (await store.refreshTokens.rotate(makeRotation(winner.successor.hash, later))).outcome,
        'rotated',
      );
      assert.notEqual(await store.sessions.get(session.id), null);

      const replayAfterGrace = await store.refreshTokens.rotate(makeRotation(hash, now + GRACE_MS + 1));
      assert.equal(replayAfterGrace.outcome, 'reused');
      assert.equal(await store.sessions.get(session.id), null);
    });
  });
}

function describeRefreshLookup(current: CurrentStore) {
  describe('refreshTokens.sessionIdFor', () => {
    it('names the session of a live or consumed token, and consumes nothing', async () => {
      const store = current();
      const user = await seedUser(store);
      const session = await seedSession(store, user.id);
      const other = await seedSession(store, user.id);
      const hash = await seedToken(store, session.id);
      const otherHash = await seedToken(store, other.id);

      assert.equal(await store.refreshTokens.sessionIdFor(hash), session.id);
      assert.equal(await store.refreshTokens.sessionIdFor(otherHash), other.id);
      const rotation = makeRotation(hash, T0 + MINUTE);
      assert.equal((await store.refreshTokens.rotate(rotation)).outcome, 'rotated');
      assert.equal(await store.refreshTokens.sessionIdFor(hash), session.id, 'consumed');
      assert.equal(await store.refreshTokens.sessionIdFor(rotation.successor.hash), session.id, 'successor');
      assert.equal(
        (await store.refreshTokens.rotate(makeRotation(rotation.successor.hash, T0 + 2 * MINUTE))).outcome,
        'rotated',
        'looking a token up left it live',
      );
    });

    it('is null for an unknown hash, and once the session is revoked or its family reused', async () => {
      const store = current();
      const user = await seedUser(store);
      assert.equal(await store.refreshTokens.sessionIdFor(randomHash()), null);

      const revoked = await seedSession(store, user.id);
      const revokedHash = await seedToken(store, revoked.id);
      await store.sessions.revoke(revoked.id);
      assert.equal(await store.refreshTokens.sessionIdFor(revokedHash), null);

      const stolen = await seedSession(store, user.id);
      const stolenHash = await seedToken(store, stolen.id);
      const rotation = makeRotation(stolenHash, T0 + MINUTE);
      await store.refreshTokens.rotate(rotation);
      await store.refreshTokens.rotate(makeRotation(rotation.successor.hash, T0 + MINUTE));
      const theft = await store.refreshTokens.rotate(makeRotation(stolenHash, T0 + MINUTE + GRACE_MS + 1));
      assert.equal(theft.outcome, 'reused');
      assert.equal(await store.refreshTokens.sessionIdFor(stolenHash), null);
      assert.equal(await store.refreshTokens.sessionIdFor(rotation.successor.hash), null);
    });
  });
}

function describeKeys(current: CurrentStore) {
  describe('keys', () => {
    it('starts empty', async () => {
      assert.deepEqual(await current().keys.list(), []);
    });

    it('rotate makes the new key the only active one and retires the previous at now', async () => {
      const store = current();
      const first = makeKey({ createdAt: T0 });
      const second = makeKey({ alg: 'EdDSA', createdAt: T0 + HOUR });
      const third = makeKey({ alg: 'HS256', publicJwk: '', createdAt: T0 + 2 * HOUR });
      await store.keys.rotate(first, T0);
      assert.deepEqual(await store.keys.list(), [first]);
      await store.keys.rotate(second, T0 + HOUR);
      await store.keys.rotate(third, T0 + 2 * HOUR);

      assert.deepEqual(await store.keys.list(), [
        third,
        { ...second, status: 'retired', retiredAt: T0 + 2 * HOUR },
        { ...first, status: 'retired', retiredAt: T0 + HOUR },
      ]);
    });

    it('leaves exactly one active key when rotations race', async () => {
      const store = current();
      await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          store.keys.rotate(makeKey({ createdAt: T0 + index }), T0 + HOUR),
        ),
      );
      const keys = await store.keys.list();
      assert.equal(keys.length, 8);
      assert.equal(keys.filter((key) => key.status === 'active').length, 1);
    });

    it('remove deletes a key at once, active or retired', async () => {
      const store = current();
      const retired = makeKey({ createdAt: T0 });
      const active = makeKey({ createdAt: T0 + 1 });
      await store.keys.rotate(retired, T0);
      await store.keys.rotate(active, T0 + 1);
      assert.equal(await store.keys.remove(active.kid), true);
      assert.deepEqual(await store.keys.list(), [{ ...retired, status: 'retired', retiredAt: T0 + 1 }]);
      assert.equal(await store.keys.remove(active.kid), false);
      assert.equal(await store.keys.remove(retired.kid), true);
      assert.deepEqual(await store.keys.list(), []);
    });

    it('pruneRetired deletes only keys retired strictly before the cut-off and returns their kids', async () => {
      const store = current();
      const oldest = makeKey({ createdAt: T0 });
      const old = makeKey({ createdAt: T0 + 1 });
      const recent = makeKey({ createdAt: T0 + 2 });
      const active = makeKey({ createdAt: T0 + 3 });
      await store.keys.rotate(oldest, T0);
      await store.keys.rotate(old, T0 + HOUR);
      await store.keys.rotate(recent, T0 + 2 * HOUR);
      await store.keys.rotate(active, T0 + 3 * HOUR);

      assert.deepEqual(await store.keys.pruneRetired(T0 + 2 * HOUR), [oldest.kid]);
      assert.deepEqual(
        (await store.keys.list()).map((key) => key.kid),
        [active.kid, recent.kid, old.kid],
      );
      assert.deepEqual(await store.keys.pruneRetired(T0 + 2 * HOUR), []);
      const pruned = await store.keys.pruneRetired(T0 + 100 * HOUR);
      assert.deepEqual([...pruned].sort(), [old.kid, recent.kid].sort());
      assert.deepEqual(await store.keys.list(), [active]);
    });
  });
}

function describeAudit(current: CurrentStore) {
  describe('audit', () => {
    it('appends events and returns them whole, newest first', async () => {
      const store = current();
      const first = makeEvent({
        at: T0,
        actorId: 'u1',
        subjectId: 'u2',
        sessionId: 's1',
        ip: '198.51.100.4',
        userAgent: 'curl/8',
        data: { reason: 'admin', nested: { count: 2, flags: [true, false] }, note: null },
      });
      const second = makeEvent({ at: T0 + 1, type: 'logout' });
      await store.audit.append(first);
      await store.audit.append(second);
      assert.deepEqual(await store.audit.query({ limit: 10 }), [second, first]);
      assert.deepEqual(await store.audit.query({ limit: 1 }), [second]);
    });

    it('filters by user (actor or subject), type and an inclusive time range', async () => {
      const store = current();
      const asActor = makeEvent({ at: T0 + 1, actorId: 'alice', subjectId: 'bob', type: 'session.revoked' });
      const asSubject = makeEvent({ at: T0 + 2, actorId: null, subjectId: 'alice', type: 'login.failure' });
      const bySession = makeEvent({ at: T0 + 3, sessionId: 'alice', type: 'login.failure' });
      const other = makeEvent({ at: T0 + 4, actorId: 'carol', subjectId: 'carol', type: 'login.success' });
      for (const event of [asSubject, other, asActor, bySession]) await store.audit.append(event);

      assert.deepEqual(await store.audit.query({ userId: 'alice', limit: 10 }), [asSubject, asActor]);
      assert.deepEqual(await store.audit.query({ userId: 'bob', limit: 10 }), [asActor]);
      assert.deepEqual(await store.audit.query({ type: 'login.failure', limit: 10 }), [bySession, asSubject]);
      assert.deepEqual(await store.audit.query({ from: T0 + 2, to: T0 + 3, limit: 10 }), [
        bySession,
        asSubject,
      ]);
      assert.deepEqual(await store.audit.query({ from: T0 + 4, limit: 10 }), [other]);
      assert.deepEqual(await store.audit.query({ to: T0 + 1, limit: 10 }), [asActor]);
      assert.deepEqual(await store.audit.query({ userId: 'alice', type: 'login.failure', limit: 10 }), [
        asSubject,
      ]);
      assert.deepEqual(await store.audit.query({ userId: 'alice', from: T0 + 2, to: T0 + 2, limit: 10 }), [
        asSubject,
      ]);
      assert.deepEqual(await store.audit.query({ userId: 'nobody', limit: 10 }), []);
    });

    it('applies the limit after filtering and ordering', async () => {
      const store = current();
      const events = Array.from({ length: 5 }, (_, index) =>
        makeEvent({ at: T0 + index, subjectId: 'dave' }),
      );
      for (const event of events) await store.audit.append(event);
      await store.audit.append(makeEvent({ at: T0 + 10, subjectId: 'erin' }));
      assert.deepEqual(await store.audit.query({ userId: 'dave', limit: 2 }), [events[4], events[3]]);
    });

    it('deleteBefore removes events strictly before the cut-off and counts them', async () => {
      const store = current();
      const events = [T0, T0 + 1, T0 + 2, T0 + 3].map((at) => makeEvent({ at }));
      for (const event of events) await store.audit.append(event);
      assert.equal(await store.audit.deleteBefore(T0 + 2), 2);
      assert.deepEqual(await store.audit.query({ limit: 10 }), [events[3], events[2]]);
      assert.equal(await store.audit.deleteBefore(T0 + 2), 0);
    });
  });
}

const RESET_TTL_MS = 15 * MINUTE;

function makeResetToken(userId: string, overrides: Partial<ResetTokenRecord> = {}): ResetTokenRecord {
  return { hash: randomHash(), userId, createdAt: T0, expiresAt: T0 + RESET_TTL_MS, ...overrides };
}

function describeResetTokens(current: CurrentStore) {
  describe('resetTokens', () => {
    it('consume returns the user once, then null; an unknown hash is null', async () => {
      const store = current();
      const user = await seedUser(store);
      const token = makeResetToken(user.id);
      await store.resetTokens.create(token);

      assert.equal(await store.resetTokens.consume(randomHash(), T0 + SECOND), null);
      assert.deepEqual(await store.resetTokens.consume(token.hash, T0 + SECOND), { userId: user.id });
      assert.equal(await store.resetTokens.consume(token.hash, T0 + 2 * SECOND), null);
    });

    it('is single use under 20 concurrent consumes: exactly one gets the user', async () => {
      const store = current();
      const user = await seedUser(store);
      const token = makeResetToken(user.id);
      await store.resetTokens.create(token);
      // Warm a pooled backend's connections so the consumes below truly overlap.
      await Promise.all(Array.from({ length: 20 }, () => store.users.getById(user.id)));

      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.resetTokens.consume(token.hash, T0 + MINUTE)),
      );
      assert.deepEqual(
        results.filter((result) => result !== null),
        [{ userId: user.id }],
      );
      assert.equal(results.filter((result) => result === null).length, 19);
    });

    it('refuses a token at and after its expiry, and an expired token is gone for good', async () => {
      const store = current();
      const user = await seedUser(store);
      const live = makeResetToken(user.id);
      await store.resetTokens.create(live);
      assert.deepEqual(await store.resetTokens.consume(live.hash, live.expiresAt - 1), { userId: user.id });

      const expired = makeResetToken(user.id);
      await store.resetTokens.create(expired);
      assert.equal(await store.resetTokens.consume(expired.hash, expired.expiresAt), null);
      assert.equal(await store.resetTokens.consume(expired.hash, expired.expiresAt - 1), null, 'deleted');
    });

    it("a newer token invalidates the user's older one, and only that user's", async () => {
      const store = current();
      const user = await seedUser(store);
      const other = await seedUser(store);
      const older = makeResetToken(user.id);
      const otherToken = makeResetToken(other.id);
      await store.resetTokens.create(older);
      await store.resetTokens.create(otherToken);
      const newer = makeResetToken(user.id, {
        createdAt: T0 + MINUTE,
        expiresAt: T0 + MINUTE + RESET_TTL_MS,
      });
      await store.resetTokens.create(newer);

      assert.equal(await store.resetTokens.consume(older.hash, T0 + 2 * MINUTE), null);
      assert.deepEqual(await store.resetTokens.consume(newer.hash, T0 + 2 * MINUTE), { userId: user.id });
      assert.deepEqual(await store.resetTokens.consume(otherToken.hash, T0 + 2 * MINUTE), {
        userId: other.id,
      });
    });

    it("deleteForUser removes the user's token, and only theirs", async () => {
      const store = current();
      const user = await seedUser(store);
      const other = await seedUser(store);
      const token = makeResetToken(user.id);
      const otherToken = makeResetToken(other.id);
      await store.resetTokens.create(token);
      await store.resetTokens.create(otherToken);

      assert.equal(await store.resetTokens.deleteForUser(user.id), 1);
      assert.equal(await store.resetTokens.deleteForUser(user.id), 0);
      assert.equal(await store.resetTokens.consume(token.hash, T0 + SECOND), null);
      assert.deepEqual(await store.resetTokens.consume(otherToken.hash, T0 + SECOND), { userId: other.id });
    });

    it('deleteExpired removes tokens expired at now, counts them, and keeps live ones', async () => {
      const store = current();
      const [first, second, third] = [await seedUser(store), await seedUser(store), await seedUser(store)];
      const early = makeResetToken(first!.id, { expiresAt: T0 + MINUTE });
      const atCutOff = makeResetToken(second!.id, { expiresAt: T0 + 2 * MINUTE });
      const live = makeResetToken(third!.id, { expiresAt: T0 + 2 * MINUTE + 1 });
      for (const token of [early, atCutOff, live]) await store.resetTokens.create(token);

      assert.equal(await store.resetTokens.deleteExpired(T0 + 2 * MINUTE), 2);
      assert.equal(await store.resetTokens.deleteExpired(T0 + 2 * MINUTE), 0);
      // Consumed with a clock from before the cut-off: only a deleted token is refused there.
      assert.equal(await store.resetTokens.consume(early.hash, T0), null);
      assert.equal(await store.resetTokens.consume(atCutOff.hash, T0), null);
      assert.deepEqual(await store.resetTokens.consume(live.hash, T0), { userId: third!.id });
    });

    it('deleting the user deletes their token', async () => {
      const store = current();
      const user = await seedUser(store);
      const token = makeResetToken(user.id);
      await store.resetTokens.create(token);
      assert.equal(await store.users.delete(user.id), true);
      assert.equal(await store.users.create(user), true);
      assert.equal(await store.resetTokens.consume(token.hash, T0 + SECOND), null);
    });
  });
}

function describeRevocations(current: CurrentStore) {
  describe('durable revocations', () => {
    it('records events, keeps the later until and before, lists the live ones and sweeps the rest', async (t) => {
      const store = current();
      if (!store.revocations)
        return t.skip(`${store.kind} keeps no durable revocations (the feed's Redis is the copy)`);
      const { revocations } = store;
      await revocations.record([
        { type: 'session', sid: 's1', sub: 'u1', until: T0 + MINUTE },
        { type: 'user', sub: 'u2', before: T0, until: T0 + MINUTE },
        { type: 'token', jti: 'j1', until: T0 + SECOND },
        { type: 'key', kid: 'k1', until: T0 + 2 * MINUTE },
      ]);
      // Again, with an earlier until (ignored) and a later one (kept); a later `before` wins.
      await revocations.record([
        { type: 'session', sid: 's1', sub: 'u1', until: T0 + SECOND },
        { type: 'user', sub: 'u2', before: T0 + SECOND, until: T0 + 3 * MINUTE },
        { type: 'user', sub: 'u2', before: T0 - SECOND, until: T0 },
      ]);
      const byKey = (events: Awaited<ReturnType<typeof revocations.listLive>>) =>
        events.map((event) => JSON.stringify(event)).sort();
      assert.deepEqual(
        byKey(await revocations.listLive(T0)),
        byKey([
          { type: 'session', sid: 's1', sub: 'u1', until: T0 + MINUTE },
          { type: 'user', sub: 'u2', before: T0 + SECOND, until: T0 + 3 * MINUTE },
          { type: 'token', jti: 'j1', until: T0 + SECOND },
          { type: 'key', kid: 'k1', until: T0 + 2 * MINUTE },
        ]),
      );
      assert.deepEqual(
        byKey(await revocations.listLive(T0 + 2 * SECOND)).map((json) => JSON.parse(json).type),
        ['key', 'session', 'user'],
      );
      assert.equal(await revocations.deleteExpired(T0 + 2 * MINUTE), 2);
      assert.deepEqual((await revocations.listLive(0)).map((event) => event.type).sort(), ['key', 'user']);
    });
  });
}
