import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completeRotationAudit } from '../../refresh/rotation-rule.ts';
import type { AuditEvent, GatehouseStore, RotationAudit } from '../../store/types.ts';
import {
  type CurrentStore,
  MINUTE,
  T0,
  makeEvent,
  makeRotation,
  makeSession,
  makeUser,
  randomHash,
  rotateIn,
  rotateGivenSession,
  seedSession,
  seedToken,
  seedUser,
} from './fixtures.ts';

export function describeAuditedWrites(current: CurrentStore) {
  describe('writes with their audit event', () => {
    auditedWriteCases(current);
    racingWriteCases(current);
    sessionStartCases(current);
    rotationAuditCases(current);
  });
}

async function allEvents(store: GatehouseStore): Promise<AuditEvent[]> {
  return store.audit.query({ limit: 100 });
}

/** A write given an audit event appends it whole when it changes something, and only then. */
function auditedWriteCases(current: CurrentStore) {
  it('users.create appends the event with the user, and neither for a taken email', async () => {
    const store = current();
    const user = makeUser();
    const event = makeEvent({
      type: 'user.registered',
      actorId: user.id,
      subjectId: user.id,
      data: { n: 1 },
    });
    assert.equal(await store.users.create(user, event), true);
    assert.deepEqual(await store.users.getById(user.id), user);
    assert.deepEqual(await allEvents(store), [event]);

    const taken = makeUser({ email: user.email });
    const refused = makeEvent({
      type: 'user.registered',
      actorId: taken.id,
      subjectId: taken.id,
      at: T0 + 1,
    });
    assert.equal(await store.users.create(taken, refused), false);
    assert.equal(await store.users.getById(taken.id), null);
    assert.deepEqual(await allEvents(store), [event], 'no event for a user not created');
  });

  it('sessions.create appends the event with the session', async () => {
    const store = current();
    const user = await seedUser(store);
    const session = makeSession(user.id);
    const event = makeEvent({
      type: 'login.success',
      actorId: user.id,
      subjectId: user.id,
      sessionId: session.id,
      ip: '203.0.113.7',
      userAgent: 'conformance',
      data: { strategy: 'session' },
    });
    await store.sessions.create(session, event);
    assert.deepEqual(await store.sessions.get(session.id), session);
    assert.deepEqual(await allEvents(store), [event]);
  });

  it('sessions.revoke appends the event only when it deleted the session', async () => {
    const store = current();
    const user = await seedUser(store);
    const session = await seedSession(store, user.id);
    const event = makeEvent({
      type: 'session.revoked',
      actorId: user.id,
      subjectId: user.id,
      sessionId: session.id,
      at: T0 + 1,
      data: { reason: 'logout' },
    });
    assert.deepEqual(await store.sessions.revoke(session.id, event), session);
    assert.equal(await store.sessions.get(session.id), null);
    assert.deepEqual(await allEvents(store), [event]);

    // A second revocation (a racing logout) deleted nothing: its event is not appended.
    const again = makeEvent({ ...event, id: makeEvent().id, at: T0 + 2 });
    assert.equal(await store.sessions.revoke(session.id, again), null);
    assert.equal(await store.sessions.revoke('no-such-session', makeEvent({ at: T0 + 3 })), null);
    assert.deepEqual(await allEvents(store), [event]);
  });

  it('without an event, the writes append none', async () => {
    const store = current();
    const user = makeUser();
    assert.equal(await store.users.create(user), true);
    const session = makeSession(user.id);
    await store.sessions.create(session);
    assert.deepEqual(await store.sessions.revoke(session.id), session);
    assert.deepEqual(await allEvents(store), []);
  });
}

/** A session stored with its first refresh token, as a hybrid or token login stores it. */
function sessionStartCases(current: CurrentStore) {
  it('sessions.create with a refresh token hash starts the family in the same write', async () => {
    const store = current();
    const user = await seedUser(store);
    const session = makeSession(user.id, { strategy: 'hybrid' });
    const event = makeEvent({
      type: 'login.success',
      actorId: user.id,
      subjectId: user.id,
      sessionId: session.id,
    });
    const hash = randomHash();
    await store.sessions.create(session, event, hash);
    assert.deepEqual(await store.sessions.get(session.id), session);
    assert.equal(await store.refreshTokens.sessionIdFor(hash), session.id);
    assert.deepEqual(await allEvents(store), [event]);
    // The token is the live member of its family, as if `issue` had stored it.
    const rotated = await store.refreshTokens.rotate(makeRotation(hash, T0 + MINUTE));
    assert.equal(rotated.outcome, 'rotated');

    // Without an audit event, the session and its token alone.
    const bare = makeSession(user.id, { strategy: 'token' });
    const bareHash = randomHash();
    await store.sessions.create(bare, undefined, bareHash);
    assert.equal(await store.refreshTokens.sessionIdFor(bareHash), bare.id);
    assert.deepEqual(await allEvents(store), [event]);
    // Revoking the session takes its token with it.
    await store.sessions.revoke(bare.id);
    assert.equal(await store.refreshTokens.sessionIdFor(bareHash), null);
  });
}

/** Racing writes: only the one that changed something appends its event. */
function racingWriteCases(current: CurrentStore) {
  it('of racing registrations of one email, one creates its user and only its event is appended', async () => {
    const store = current();
    const email = makeUser().email;
    const users = Array.from({ length: 4 }, () => makeUser({ email }));
    const events = users.map((user, index) =>
      makeEvent({ type: 'user.registered', actorId: user.id, subjectId: user.id, at: T0 + index }),
    );
    const created = await Promise.all(users.map((user, index) => store.users.create(user, events[index])));
    const winners = events.filter((_, index) => created[index]);
    assert.equal(winners.length, 1, 'one registration created the user');
    assert.deepEqual(await allEvents(store), winners);
  });

  it('of racing revocations of one session, one deletes it and only its event is appended', async () => {
    const store = current();
    const user = await seedUser(store);
    const session = await seedSession(store, user.id);
    const events = Array.from({ length: 4 }, (_, index) =>
      makeEvent({ type: 'session.revoked', sessionId: session.id, at: T0 + index }),
    );
    const results = await Promise.all(events.map((event) => store.sessions.revoke(session.id, event)));
    const winners = results.flatMap((result, index) => (result ? [events[index]!] : []));
    assert.equal(winners.length, 1, 'one revocation deleted it');
    assert.deepEqual(await allEvents(store), winners);
  });
}

/** The events of a rotation, as the core builds them: without the session's ids. */
function rotationAudit(at: number): RotationAudit {
  return {
    rotated: makeEvent({ type: 'refresh.rotated', at, ip: '203.0.113.9', userAgent: 'conformance' }),
    reused: makeEvent({ type: 'refresh.reuse_detected', at, ip: '203.0.113.9', userAgent: 'conformance' }),
  };
}

/** A rotation appends its event with its outcome, naming the session and its user; nothing else does. */
function rotationAuditCases(current: CurrentStore) {
  describe('refreshTokens.rotate and its audit events', () => rotationAuditCasesWith(current, rotateIn));
  // As the server's routes call it: the token's session read first, then passed along.
  describe("refreshTokens.rotate and its audit events, given the presented token's session", () =>
    rotationAuditCasesWith(current, rotateGivenSession));
}

function rotationAuditCasesWith(current: CurrentStore, rotate: typeof rotateIn) {
  it("refreshTokens.rotate appends `rotated` with a rotation and `reused` with the family's end, and nothing for a replay", async () => {
    const store = current();
    const user = await seedUser(store);
    const session = await seedSession(store, user.id, { strategy: 'hybrid' });
    const hash = await seedToken(store, session.id);

    const first = rotationAudit(T0 + MINUTE);
    const rotation = makeRotation(hash, T0 + MINUTE, { audit: first });
    assert.equal((await rotate(store, rotation)).outcome, 'rotated');
    const rotatedEvent = {
      ...first.rotated,
      actorId: user.id,
      subjectId: user.id,
      sessionId: session.id,
    };
    assert.deepEqual(await allEvents(store), [rotatedEvent]);

    // A replay while the successor is unused changes nothing, and appends nothing.
    const replay = makeRotation(hash, T0 + 2 * MINUTE, { audit: rotationAudit(T0 + 2 * MINUTE) });
    assert.equal((await rotate(store, replay)).outcome, 'replayed');
    assert.deepEqual(await allEvents(store), [rotatedEvent]);

    // The successor is used, then the first token comes back outside the grace window: theft.
    const next = makeRotation(rotation.successor.hash, T0 + 3 * MINUTE);
    assert.equal((await rotate(store, next)).outcome, 'rotated', 'no event without one given');
    const theft = rotationAudit(T0 + 10 * MINUTE);
    const reused = await rotate(store, makeRotation(hash, T0 + 10 * MINUTE, { audit: theft, graceMs: 0 }));
    assert.equal(reused.outcome, 'reused');
    assert.equal(await store.sessions.get(session.id), null);
    const reusedEvent = { ...theft.reused, subjectId: user.id, sessionId: session.id };
    assert.deepEqual(await allEvents(store), [reusedEvent, rotatedEvent], 'newest first');
    assert.deepEqual(completeRotationAudit(theft, 'reused', session), reusedEvent);

    // The family is gone: its tokens are invalid and append nothing.
    const after = makeRotation(next.successor.hash, T0 + 11 * MINUTE, {
      audit: rotationAudit(T0 + 11 * MINUTE),
    });
    assert.deepEqual(await rotate(store, after), { outcome: 'invalid' });
    assert.deepEqual(await allEvents(store), [reusedEvent, rotatedEvent], 'newest first');
  });

  it("refreshTokens.rotate refuses a suspended user's family, changing nothing and appending nothing", async () => {
    const store = current();
    const user = await seedUser(store);
    const session = await seedSession(store, user.id, { strategy: 'hybrid' });
    const hash = await seedToken(store, session.id);
    await store.users.update(user.id, { status: 'suspended' });

    const attempt = makeRotation(hash, T0 + MINUTE, { audit: rotationAudit(T0 + MINUTE) });
    assert.deepEqual(await rotate(store, attempt), { outcome: 'invalid' });
    assert.deepEqual(await store.sessions.get(session.id), session, 'the session is not touched');
    assert.deepEqual(await allEvents(store), []);
    assert.deepEqual(
      await rotate(store, makeRotation(attempt.successor.hash, T0 + MINUTE)),
      { outcome: 'invalid' },
      'no successor was stored',
    );

    // Active again, the same token is still the live one: it was never consumed.
    await store.users.update(user.id, { status: 'active' });
    assert.equal((await rotate(store, makeRotation(hash, T0 + 2 * MINUTE))).outcome, 'rotated');
  });
}
