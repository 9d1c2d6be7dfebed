import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuth } from '../auth.ts';
import type { RevocationEvent } from '../revocation/revocation-event.ts';
import type { GatehouseStore } from '../store/types.ts';
import { createFastHasher } from '../testing/fast-hasher.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { createMemoryStore } from '../testing/memory-store.ts';

const password = 'a long enough passphrase';

describe('revokeAllSessions: published before the delete, exact for what the delete ended', () => {
  it('names the sessions touched or created between its listing and its delete', async () => {
    const clock = createManualClock();
    const inner = createMemoryStore();
    const published: RevocationEvent[] = [];
    let race: () => Promise<void> = async () => {};
    const sessions: GatehouseStore['sessions'] = {
      ...inner.sessions,
      async revokeAllForUser(userId, exceptId) {
        assert.ok(published.length > 0, 'the user event is published before the delete');
        await race();
        return inner.sessions.revokeAllForUser(userId, exceptId);
      },
    };
    const store = Object.assign(Object.create(inner), { sessions }) as GatehouseStore;
    const auth = createAuth({
      store,
      clock,
      hasher: createFastHasher(),
      revocations: { publish: async (events) => void published.push(...events) },
    });
    await auth.register({ email: 'race@example.com', password });
    const touched = await auth.login({ email: 'race@example.com', password });
    const idle = await auth.login({ email: 'race@example.com', password });
    clock.advance(2000);
    let racing: string | undefined;
    race = async () => {
      // A rotation of one listed session and a new login, in the next second (iat >= before).
      clock.advance(1000);
      await inner.sessions.touch(touched.session.id, clock.now(), clock.now() + 60_000);
      racing = (await auth.login({ email: 'race@example.com', password })).session.id;
    };

    const revoked = await auth.revokeAllSessions({
      userId: touched.user.id,
      reason: 'logout_all',
      actorId: null,
    });

    assert.equal(revoked.length, 3);
    assert.equal(published[0]?.type, 'user');
    const named = published.flatMap((event) => (event.type === 'session' ? [event.sid] : []));
    assert.deepEqual(named.sort(), [touched.session.id, racing].sort());
    assert.ok(!named.includes(idle.session.id), 'an untouched session is covered by the user event');
    assert.equal(published.filter((event) => event.type === 'user').length, 1);
  });
});

describe('revokeSession with the session the caller just read', () => {
  async function signedIn() {
    const inner = createMemoryStore();
    const reads: string[] = [];
    const owners: Array<string | undefined> = [];
    const sessions: GatehouseStore['sessions'] = {
      ...inner.sessions,
      async get(id) {
        reads.push(id);
        return inner.sessions.get(id);
      },
      async revoke(id, event, userId) {
        owners.push(userId);
        return inner.sessions.revoke(id, event, userId);
      },
    };
    const store = Object.assign(Object.create(inner), { sessions }) as GatehouseStore;
    const published: RevocationEvent[] = [];
    const auth = createAuth({
      store,
      clock: createManualClock(),
      hasher: createFastHasher(),
      revocations: { publish: async (events) => void published.push(...events) },
    });
    await auth.register({ email: 'seen@example.com', password });
    const login = await auth.login({ email: 'seen@example.com', password });
    reads.length = 0;
    return { auth, inner, reads, owners, published, login };
  }

  it('publishes, deletes and audits it without reading it again', async () => {
    const t = await signedIn();
    const { session, user } = t.login;
    const revoked = await t.auth.revokeSession({
      sessionId: session.id,
      session,
      reason: 'logout',
      actorId: user.id,
    });
    assert.deepEqual(t.reads, [], 'no read of the session');
    assert.deepEqual(t.owners, [user.id], "the store is told the session's user");
    assert.deepEqual(revoked, session);
    assert.equal(await t.inner.sessions.get(session.id), null);
    assert.deepEqual(
      t.published.map((event) => event.type === 'session' && event.sid),
      [session.id],
    );
    const events = await t.inner.audit.query({ type: 'session.revoked', limit: 5 });
    assert.deepEqual(
      events.map((event) => [event.sessionId, event.subjectId, event.actorId]),
      [[session.id, user.id, user.id]],
    );
  });

  it('answers null for a session deleted meanwhile, appending no second audit event', async () => {
    const t = await signedIn();
    const { session, user } = t.login;
    await t.auth.revokeSession({ sessionId: session.id, reason: 'logout', actorId: user.id });
    const again = await t.auth.revokeSession({
      sessionId: session.id,
      session,
      reason: 'logout',
      actorId: user.id,
    });
    assert.equal(again, null);
    assert.equal((await t.inner.audit.query({ type: 'session.revoked', limit: 5 })).length, 1);
    // The event is published once more: events are idempotent at every verifier.
    assert.equal(t.published.length, 2);
  });

  it('refuses a session that is not the one named, before anything is published or deleted', async () => {
    const t = await signedIn();
    const other = await t.auth.login({ email: 'seen@example.com', password });
    await assert.rejects(
      t.auth.revokeSession({
        sessionId: t.login.session.id,
        session: other.session,
        reason: 'logout',
        actorId: null,
      }),
      TypeError,
    );
    assert.deepEqual(t.published, []);
    assert.notEqual(await t.inner.sessions.get(t.login.session.id), null);
    assert.notEqual(await t.inner.sessions.get(other.session.id), null);
  });
});
