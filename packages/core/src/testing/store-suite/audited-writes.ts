import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuditEvent, GatehouseStore } from '../../store/types.ts';
import {
  type CurrentStore,
  T0,
  makeEvent,
  makeSession,
  makeUser,
  seedSession,
  seedUser,
} from './fixtures.ts';

export function describeAuditedWrites(current: CurrentStore) {
  describe('writes with their audit event', () => {
    auditedWriteCases(current);
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
