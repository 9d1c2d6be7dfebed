import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CurrentStore,
  T0,
  SECOND,
  MINUTE,
  HOUR,
  IDLE_TTL_MS,
  makeRotation,
  seedUser,
  seedSession,
  seedToken,
  assertTokensGone,
  byId,
} from './fixtures.ts';

export function describeSessions(current: CurrentStore) {
  describe('sessions', () => {
    sessionRecordCases(current);
    sessionRevocationCases(current);
    sessionExpiryCases(current);
  });
}

/** Create, read and touch one session. */
function sessionRecordCases(current: CurrentStore) {
  it('creates a session and reads it back', async () => {
    const store = current();
    const user = await seedUser(store);
    const session = await seedSession(store, user.id, { strategy: 'hybrid' });
    const anonymous = await seedSession(store, user.id, { strategy: 'token', userAgent: null, ip: null });
    assert.deepEqual(await store.sessions.get(session.id), session);
    assert.deepEqual(await store.sessions.get(anonymous.id), anonymous);
    assert.equal(await store.sessions.get('no-such-session'), null);
  });

  it('getWithUser, where a store has it, reads what get and users.getById read', async (t) => {
    const store = current();
    const getWithUser = store.sessions.getWithUser?.bind(store.sessions);
    if (!getWithUser) return t.skip('this store has no getWithUser: the core reads both');
    const user = await seedUser(store, { roles: ['admin', 'billing'] });
    const other = await seedUser(store);
    const session = await seedSession(store, user.id, { strategy: 'session' });
    await seedSession(store, other.id);
    assert.deepEqual(await getWithUser(session.id), { session, user });
    const suspended = await store.users.update(user.id, { status: 'suspended', updatedAt: T0 + MINUTE });
    assert.equal(suspended?.status, 'suspended');
    assert.deepEqual(await getWithUser(session.id), { session, user: suspended });
    assert.equal(await getWithUser('no-such-session'), null);
    await store.sessions.revoke(session.id);
    assert.equal(await getWithUser(session.id), null);
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
}

/** Revoking one session or all of a user's, refresh tokens included. */
function sessionRevocationCases(current: CurrentStore) {
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
    assert.equal((await store.refreshTokens.rotate(makeRotation(keptHash, T0 + SECOND))).outcome, 'rotated');
    await assertTokensGone(store, session, hashes);
  });

  it("revoke given the session's user, or another user, deletes as without it", async () => {
    const store = current();
    const user = await seedUser(store);
    const other = await seedUser(store);
    const named = await seedSession(store, user.id);
    const misnamed = await seedSession(store, user.id);
    const othersOwn = await seedSession(store, other.id);
    const hashes = [await seedToken(store, named.id), await seedToken(store, misnamed.id)];

    assert.deepEqual(await store.sessions.revoke(named.id, undefined, user.id), named);
    assert.deepEqual(await store.sessions.revoke(misnamed.id, undefined, other.id), misnamed);
    for (const gone of [named, misnamed]) {
      assert.equal(await store.sessions.get(gone.id), null);
      assert.equal(await store.sessions.revoke(gone.id, undefined, user.id), null);
    }
    assert.equal(await store.sessions.revoke('no-such-session', undefined, user.id), null);
    assert.deepEqual(await store.sessions.get(othersOwn.id), othersOwn);
    await assertTokensGone(store, named, hashes.slice(0, 1));
    await assertTokensGone(store, misnamed, hashes.slice(1));
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
}

/** What counts as live: listing, sweeping and counting by deadline. */
function sessionExpiryCases(current: CurrentStore) {
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
    assert.equal((await store.refreshTokens.rotate(makeRotation(liveHash, T0 + SECOND))).outcome, 'rotated');
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
}
