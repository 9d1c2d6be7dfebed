import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionRecord } from '../../store/types.ts';
import {
  type CurrentStore,
  type Outcome,
  T0,
  SECOND,
  MINUTE,
  IDLE_TTL_MS,
  GRACE_MS,
  randomHash,
  makeRotation,
  seedUser,
  seedSession,
  seedToken,
  assertTokensGone,
  rotateIn,
  rotateGivenSession,
} from './fixtures.ts';

export function describeRefreshRotation(current: CurrentStore) {
  const cases = (rotate: Rotate) => {
    rotationCases(current, rotate);
    reuseCases(current, rotate);
    invalidRotationCases(current, rotate);
    concurrentRotationCases(current, rotate);
  };
  describe('refreshTokens.rotate', () => cases(rotateIn));
  // As the server's routes call it: the token's session read first, then passed along.
  describe("refreshTokens.rotate, given the presented token's session", () => {
    cases(rotateGivenSession);
    wrongSessionCases(current);
  });
}

type Rotate = typeof rotateIn;

/** The session is only a shortcut: one that is not the token's changes no outcome. */
function wrongSessionCases(current: CurrentStore) {
  const seedFamily = familySeeder(current);

  it("given another user's session, rotates as without it, and the successor is found on its own", async () => {
    const { store, session, hash } = await seedFamily();
    const other = await seedFamily();
    const now = T0 + MINUTE;
    const input = { ...makeRotation(hash, now), presentedSession: other.session };
    const expected = { ...session, lastSeenAt: now, idleExpiresAt: now + IDLE_TTL_MS };
    assert.deepEqual(await rotateIn(store, input), { outcome: 'rotated', session: expected });
    assert.equal(await store.refreshTokens.sessionIdFor(input.successor.hash), session.id);
    const next = await rotateIn(store, makeRotation(input.successor.hash, now + SECOND));
    assert.equal(next.outcome, 'rotated');
    assert.deepEqual(await store.sessions.get(other.session.id), other.session);
    assert.equal((await rotateIn(store, makeRotation(other.hash, now))).outcome, 'rotated');
  });

  it('given a live session, an unknown token is invalid and its successor leads nowhere', async () => {
    const { store, session } = await seedFamily();
    const input = { ...makeRotation(randomHash(), T0 + MINUTE), presentedSession: session };
    assert.deepEqual(await rotateIn(store, input), { outcome: 'invalid' });
    assert.equal(await store.refreshTokens.sessionIdFor(input.successor.hash), null);
    assert.deepEqual(await store.sessions.get(session.id), session);
  });
}

/** Seeds a user, a session and one refresh token of that session in the current store. */
function familySeeder(current: CurrentStore) {
  return async function seedFamily(sessionOverrides: Partial<SessionRecord> = {}) {
    const store = current();
    const user = await seedUser(store);
    const session = await seedSession(store, user.id, sessionOverrides);
    const hash = await seedToken(store, session.id);
    return { store, user, session, hash };
  };
}

/** A live token rotates; a replay gets the same successor back while that is safe. */
function rotationCases(current: CurrentStore, rotate: Rotate) {
  const seedFamily = familySeeder(current);

  it('rotates a live token: the successor becomes live and the session is touched', async () => {
    const { store, session, hash } = await seedFamily();
    const now = T0 + 5 * MINUTE;
    const input = makeRotation(hash, now);
    const expected = { ...session, lastSeenAt: now, idleExpiresAt: now + IDLE_TTL_MS };

    assert.deepEqual(await rotate(store, input), { outcome: 'rotated', session: expected });
    assert.deepEqual(await store.sessions.get(session.id), expected);
    const next = await rotate(store, makeRotation(input.successor.hash, now + MINUTE));
    assert.equal(next.outcome, 'rotated');
  });

  it('never moves the idle deadline past the absolute one', async () => {
    const { store, session, hash } = await seedFamily({ absoluteExpiresAt: T0 + 10 * MINUTE });
    const now = T0 + 5 * MINUTE;
    const result = await rotate(store, makeRotation(hash, now));
    const expected = { ...session, lastSeenAt: now, idleExpiresAt: T0 + 10 * MINUTE };
    assert.deepEqual(result, { outcome: 'rotated', session: expected });
    assert.deepEqual(await store.sessions.get(session.id), expected);
  });

  it('answers a replay inside the grace window with the same successor and changes nothing', async () => {
    const { store, session, hash } = await seedFamily();
    const first = makeRotation(hash, T0 + MINUTE);
    const rotated = await rotate(store, first);
    assert.equal(rotated.outcome, 'rotated');
    const before = await store.sessions.get(session.id);

    const replay = makeRotation(hash, T0 + MINUTE + GRACE_MS / 2);
    assert.deepEqual(await rotate(store, replay), {
      outcome: 'replayed',
      session: before,
      successorCipher: first.successorCipher,
    });
    const atEdge = makeRotation(hash, T0 + MINUTE + GRACE_MS);
    assert.deepEqual(await rotate(store, atEdge), {
      outcome: 'replayed',
      session: before,
      successorCipher: first.successorCipher,
    });
    assert.deepEqual(await store.sessions.get(session.id), before);

    const later = T0 + 2 * MINUTE;
    for (const candidate of [replay, atEdge]) {
      const attempt = await rotate(store, makeRotation(candidate.successor.hash, later));
      assert.deepEqual(attempt, { outcome: 'invalid' });
    }
    assert.equal((await rotate(store, makeRotation(first.successor.hash, later))).outcome, 'rotated');
  });

  it('hands out the same successor again, however late, while that successor was never used', async () => {
    const { store, session, hash } = await seedFamily();
    const first = makeRotation(hash, T0 + MINUTE, { graceMs: 0 });
    assert.equal((await rotate(store, first)).outcome, 'rotated');
    // The reply was lost (a crash, a cut); the client comes back long after any grace window.
    for (const at of [T0 + MINUTE, T0 + 20 * MINUTE]) {
      const replay = await rotate(store, makeRotation(hash, at, { graceMs: 0 }));
      assert.equal(replay.outcome, 'replayed', `replayed at +${(at - T0) / MINUTE} min`);
      assert.equal((replay as Outcome<'replayed'>).successorCipher, first.successorCipher);
    }
    assert.notEqual(await store.sessions.get(session.id), null, 'no family revoked');
    // The successor is still the one live child: it rotates, and no second child ever appeared.
    const next = await rotate(store, makeRotation(first.successor.hash, T0 + 21 * MINUTE));
    assert.equal(next.outcome, 'rotated');
  });
}

/** A replay once the successor is used is theft: the whole family goes. */
function reuseCases(current: CurrentStore, rotate: Rotate) {
  const seedFamily = familySeeder(current);

  it('with graceMs 0 treats a replay after the successor was used as reuse, even at the same instant', async () => {
    const { store, session, hash } = await seedFamily();
    const now = T0 + MINUTE;
    const first = makeRotation(hash, now, { graceMs: 0 });
    assert.equal((await rotate(store, first)).outcome, 'rotated');
    assert.equal(
      (await rotate(store, makeRotation(first.successor.hash, now, { graceMs: 0 }))).outcome,
      'rotated',
    );
    const replay = await rotate(store, makeRotation(hash, now, { graceMs: 0 }));
    assert.equal(replay.outcome, 'reused');
    assert.equal(await store.sessions.get(session.id), null);
  });

  it('treats a replay after the grace window as theft: the session and its whole family go', async () => {
    const { store, user, session, hash } = await seedFamily();
    const bystander = await seedSession(store, user.id);
    const bystanderHash = await seedToken(store, bystander.id);
    const first = makeRotation(hash, T0 + MINUTE);
    await rotate(store, first);
    const second = makeRotation(first.successor.hash, T0 + 2 * MINUTE);
    const rotated = (await rotate(store, second)) as Outcome<'rotated'>;
    assert.equal(rotated.outcome, 'rotated');

    const theft = await rotate(store, makeRotation(hash, T0 + 3 * MINUTE));
    assert.deepEqual(theft, { outcome: 'reused', session: rotated.session });
    assert.equal(await store.sessions.get(session.id), null);
    const successor = await rotate(store, makeRotation(second.successor.hash, T0 + 3 * MINUTE));
    assert.deepEqual(successor, { outcome: 'invalid' });

    assert.deepEqual(await store.sessions.get(bystander.id), bystander);
    assert.equal((await rotate(store, makeRotation(bystanderHash, T0 + SECOND))).outcome, 'rotated');
    await assertTokensGone(store, session, [hash, first.successor.hash, second.successor.hash]);
  });
}

/** Unknown tokens and dead sessions rotate nothing. */
function invalidRotationCases(current: CurrentStore, rotate: Rotate) {
  const seedFamily = familySeeder(current);

  it('is invalid for an unknown token, and creates nothing', async () => {
    const { store, session } = await seedFamily();
    const input = makeRotation(randomHash(), T0 + MINUTE);
    assert.deepEqual(await rotate(store, input), { outcome: 'invalid' });
    assert.deepEqual(await rotate(store, makeRotation(input.successor.hash, T0 + MINUTE)), {
      outcome: 'invalid',
    });
    assert.deepEqual(await store.sessions.get(session.id), session);
  });

  it('is invalid once the session is idle- or absolute-expired, and consumes nothing', async () => {
    const idle = await seedFamily({ idleExpiresAt: T0 + MINUTE });
    const expired = makeRotation(idle.hash, T0 + MINUTE);
    assert.deepEqual(await rotate(idle.store, expired), { outcome: 'invalid' });
    assert.deepEqual(await idle.store.sessions.get(idle.session.id), idle.session);
    assert.deepEqual(await rotate(idle.store, makeRotation(expired.successor.hash, T0)), {
      outcome: 'invalid',
    });
    // Still unconsumed: at an instant when the session was live, the same token rotates.
    assert.equal((await rotate(idle.store, makeRotation(idle.hash, T0 + SECOND))).outcome, 'rotated');

    const absolute = await seedFamily({
      absoluteExpiresAt: T0 + 2 * MINUTE,
      idleExpiresAt: T0 + 2 * MINUTE,
    });
    const late = makeRotation(absolute.hash, T0 + 3 * MINUTE);
    assert.deepEqual(await rotate(absolute.store, late), { outcome: 'invalid' });
    assert.deepEqual(await absolute.store.sessions.get(absolute.session.id), absolute.session);
  });

  it('is invalid, not reuse, for a consumed token whose session has expired', async () => {
    const { store, session, hash } = await seedFamily({ absoluteExpiresAt: T0 + 2 * MINUTE });
    assert.equal((await rotate(store, makeRotation(hash, T0 + MINUTE))).outcome, 'rotated');
    const after = await store.sessions.get(session.id);
    assert.deepEqual(await rotate(store, makeRotation(hash, T0 + 2 * MINUTE)), {
      outcome: 'invalid',
    });
    assert.deepEqual(await store.sessions.get(session.id), after);
  });

  it('is invalid once the session is revoked', async () => {
    const { store, session, hash } = await seedFamily();
    await store.sessions.revoke(session.id);
    assert.deepEqual(await rotate(store, makeRotation(hash, T0 + MINUTE)), {
      outcome: 'invalid',
    });
  });
}

/** Parallel rotations of one token serialise. */
function concurrentRotationCases(current: CurrentStore, rotate: Rotate) {
  const seedFamily = familySeeder(current);

  it('serialises 50 parallel rotations of one token: one winner, 49 replays of its successor', async () => {
    const { store, session, hash } = await seedFamily();
    // Warm up: a pooled backend opens its connections now, so the rotations below truly overlap
    // instead of running one by one while the pool is still connecting.
    await Promise.all(Array.from({ length: 50 }, () => store.sessions.get(session.id)));
    const now = T0 + MINUTE;
    const inputs = Array.from({ length: 50 }, () => makeRotation(hash, now));
    const results = await Promise.all(inputs.map((input) => rotate(store, input)));

    const winners = inputs.filter((_, index) => results[index]!.outcome === 'rotated');
    assert.equal(winners.length, 1);
    const winner = winners[0]!;
    const replays = results.filter((result): result is Outcome<'replayed'> => result.outcome === 'replayed');
    assert.equal(replays.length, 49);
    assert.equal(results.filter((result) => result.outcome === 'reused').length, 0);
    for (const replay of replays) assert.equal(replay.successorCipher, winner.successorCipher);

    // Exactly one live child: the losers' candidates were never stored; the winner's rotates.
    const later = now + SECOND;
    for (const loser of inputs.filter((input) => input !== winner)) {
      const attempt = await rotate(store, makeRotation(loser.successor.hash, later));
      assert.deepEqual(attempt, { outcome: 'invalid' });
    }
    assert.equal((await rotate(store, makeRotation(winner.successor.hash, later))).outcome, 'rotated');
    assert.notEqual(await store.sessions.get(session.id), null);

    const replayAfterGrace = await rotate(store, makeRotation(hash, now + GRACE_MS + 1));
    assert.equal(replayAfterGrace.outcome, 'reused');
    assert.equal(await store.sessions.get(session.id), null);
  });
}
