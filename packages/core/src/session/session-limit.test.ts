import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuth } from '../auth.ts';
import { UnauthenticatedError } from '../errors.ts';
import type { RevocationEvent } from '../revocation/revocation-event.ts';
import { createFastHasher } from '../testing/fast-hasher.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { createMemoryStore } from '../testing/memory-store.ts';
import { resolveSessionPolicy } from './session-policy.ts';

const password = 'a long enough passphrase';
const MINUTE_MS = 60_000;

function signedUp(maxSessionsPerUser: number) {
  const clock = createManualClock();
  const store = createMemoryStore();
  const published: RevocationEvent[] = [];
  /** An auth over the same store and clock, as a server restarted with another limit would be. */
  const authWithLimit = (limit: number) =>
    createAuth({
      store,
      clock,
      hasher: createFastHasher(),
      revocations: { publish: async (events) => void published.push(...events) },
      sessionPolicy: { maxSessionsPerUser: limit },
    });
  const auth = authWithLimit(maxSessionsPerUser);
  const login = async (email = 'many@example.com', strategy: 'session' | 'hybrid' | 'token' = 'session') => {
    clock.advance(1000);
    return auth.login({ email, password, strategy });
  };
  return { auth, authWithLimit, clock, store, published, login };
}

const ids = (sessions: Array<{ id: string }>) => sessions.map((session) => session.id).sort();

describe('a login past maxSessionsPerUser ends the least recently used sessions', () => {
  it('ends the session used longest ago (not the oldest), published and audited, and keeps the new one', async () => {
    const { auth, clock, store, published, login } = signedUp(3);
    await auth.register({ email: 'many@example.com', password });
    const first = await login();
    const second = await login();
    const third = await login();
    // The first is used again (past the touch interval), so the second is now the least recent.
    clock.advance(2 * MINUTE_MS);
    await auth.validateSessionToken(first.sessionToken);
    assert.equal(published.length, 0, 'nothing ended while under the limit');

    const fourth = await login();

    const live = await auth.listSessions(first.user.id);
    assert.deepEqual(ids(live), ids([first.session, third.session, fourth.session]));
    assert.deepEqual(
      published.map((event) => (event.type === 'session' ? event.sid : event.type)),
      [second.session.id],
    );
    await assert.rejects(auth.validateSessionToken(second.sessionToken), UnauthenticatedError);
    const [audit] = await store.audit.query({ type: 'session.revoked', limit: 10 });
    assert.equal(audit?.sessionId, second.session.id);
    assert.equal(audit?.actorId, first.user.id);
    assert.deepEqual(audit?.data, { reason: 'session_limit' });
  });

  it('counts every strategy together and brings a user far past the limit back to it, sparing other users', async () => {
    const { auth, authWithLimit, published, login } = signedUp(2);
    await auth.register({ email: 'many@example.com', password });
    await auth.register({ email: 'other@example.com', password });
    const others = [await login('other@example.com'), await login('other@example.com')];
    const user = (await login('many@example.com', 'token')).user;
    // Sessions started while the limit was higher (a server since restarted with a lower one).
    const before = authWithLimit(10);
    for (let index = 0; index < 5; index++) await before.createSession({ user, strategy: 'hybrid' });
    assert.equal((await auth.listSessions(user.id)).length, 6);

    const newest = await login('many@example.com', 'session');

    const live = await auth.listSessions(user.id);
    assert.equal(live.length, 2);
    assert.ok(
      live.some((session) => session.id === newest.session.id),
      'the new session is kept',
    );
    assert.equal(published.length, 5);
    assert.ok(published.every((event) => event.type === 'session' && event.sub === user.id));
    assert.deepEqual(ids(await auth.listSessions(others[0]!.user.id)), ids(others.map((o) => o.session)));
  });

  it("holds a session started without a login (Auth.createSession, an embedder's own sign-in) to the same limit", async () => {
    const { auth, clock, store, published, login } = signedUp(2);
    await auth.register({ email: 'many@example.com', password });
    const first = await login();
    const second = await login();
    clock.advance(1000);
    const context = { ip: '203.0.113.9', userAgent: 'embedder' };
    const started = await auth.createSession({ user: first.user, strategy: 'hybrid', context });

    assert.deepEqual(ids(await auth.listSessions(first.user.id)), ids([second.session, started.session]));
    assert.deepEqual(
      published.map((event) => (event.type === 'session' ? event.sid : event.type)),
      [first.session.id],
    );
    await assert.rejects(auth.validateSessionToken(first.sessionToken), UnauthenticatedError);
    const [audit] = await store.audit.query({ type: 'session.revoked', limit: 10 });
    assert.deepEqual(
      [audit?.sessionId, audit?.data, audit?.ip],
      [first.session.id, { reason: 'session_limit' }, context.ip],
    );
  });

  it('with a limit of one, each login signs the previous one out', async () => {
    const { auth, login } = signedUp(1);
    await auth.register({ email: 'many@example.com', password });
    const before = await login('many@example.com', 'hybrid');
    const after = await login('many@example.com', 'token');
    assert.deepEqual(ids(await auth.listSessions(after.user.id)), [after.session.id]);
    assert.equal(await auth.getLiveSession(before.session.id), null);
  });

  it('refuses a limit that is not a whole number of at least 1', () => {
    for (const maxSessionsPerUser of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      assert.throws(
        () => resolveSessionPolicy({ maxSessionsPerUser }),
        TypeError,
        String(maxSessionsPerUser),
      );
    assert.equal(resolveSessionPolicy().maxSessionsPerUser, 100);
  });
});
