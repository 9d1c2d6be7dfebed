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
} from './fixtures.ts';

export function describeRefreshRotation(current: CurrentStore) {
  describe('refreshTokens.rotate', () => {
    rotationCases(current);
    reuseCases(current);
    invalidRotationCases(current);
    concurrentRotationCases(current);
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
function rotationCases(current: CurrentStore) {
  const seedFamily = familySeeder(current);

  it('rotates a live token: the successor becomes live and the session is touched', async () => {
    const { store, session, hash } = await seedFamily();
    const now = T0 + 5 * MINUTE;
    const input = makeRotation(hash, now);
    const expected = { ...session, lastSeenAt: now, idleExpiresAt: now + IDLE_TTL_MS };

    assert.deepEqual(await rotateIn(store, input), { outcome: 'rotated', session: expected });
    assert.deepEqual(await store.sessions.get(session.id), expected);
    const next = await rotateIn(store, makeRotation(input.successor.hash, now + MINUTE));
    assert.equal(next.outcome, 'rotated');
  });

  it('never moves the idle deadline past the absolute one', async () => {
    const { store, session, hash } = await seedFamily({ absoluteExpiresAt: T0 + 10 * MINUTE });
    const now = T0 + 5 * MINUTE;
    const result = await rotateIn(store, makeRotation(hash, now));
    const expected = { ...session, lastSeenAt: now, idleExpiresAt: T0 + 10 * MINUTE };
    assert.deepEqual(result, { outcome: 'rotated', session: expected });
    assert.deepEqual(await store.sessions.get(session.id), expected);
  });

  it('answers a replay inside the grace window with the same successor and changes nothing', async () => {
    const { store, session, hash } = await seedFamily();
    const first = makeRotation(hash, T0 + MINUTE);
    const rotated = await rotateIn(store, first);
    assert.equal(rotated.outcome, 'rotated');
    const before = await store.sessions.get(session.id);

    const replay = makeRotation(hash, T0 + MINUTE + GRACE_MS / 2);
    assert.deepEqual(await rotateIn(store, replay), {
      outcome: 'replayed',
      session: before,
      successorCipher: first.successorCipher,
    });
    const atEdge = makeRotation(hash, T0 + MINUTE + GRACE_MS);
    assert.deepEqual(await rotateIn(store, atEdge), {
      outcome: 'replayed',
      session: before,
      successorCipher: first.successorCipher,
    });
    assert.deepEqual(await store.sessions.get(session.id), before);

    const later = T0 + 2 * MINUTE;
    for (const candidate of [replay, atEdge]) {
      const attempt = await rotateIn(store, makeRotation(candidate.successor.hash, later));
      assert.deepEqual(attempt, { outcome: 'invalid' });
    }
    assert.equal((await rotateIn(store, makeRotation(first.successor.hash, later))).outcome, 'rotated');
  });

  it('hands out the same successor again, however late, while that successor was never used', async () => {
    const { store, session, hash } = await seedFamily();
    const first = makeRotation(hash, T0 + MINUTE, { graceMs: 0 });
    assert.equal((await rotateIn(store, first)).outcome, 'rotated');
    // The reply was lost (a crash, a cut); the client comes back long after any grace window.
    for (const at of [T0 + MINUTE, T0 + 20 * MINUTE]) {
      const replay = await rotateIn(store, makeRotation(hash, at, { graceMs: 0 }));
      assert.equal(replay.outcome, 'replayed', `replayed at +${(at - T0) / MINUTE} min`);
      assert.equal((replay as Outcome<'replayed'>).successorCipher, first.successorCipher);
    }
    assert.notEqual(await store.sessions.get(session.id), null, 'no family revoked');
    // The successor is still the one live child: it rotates, and no second child ever appeared.
    const next = await rotateIn(store, makeRotation(first.successor.hash, T0 + 21 * MINUTE));
    assert.equal(next.outcome, 'rotated');
  });
}

/** A replay once the successor is used is theft: the whole family goes. */
function reuseCases(current: CurrentStore) {
  const seedFamily = familySeeder(current);

  it('with graceMs 0 treats a replay after the successor was used as reuse, even at the same instant', async () => {
    const { store, session, hash } = await seedFamily();
    const now = T0 + MINUTE;
    const first = makeRotation(hash, now, { graceMs: 0 });
    assert.equal((await rotateIn(store, first)).outcome, 'rotated');
    assert.equal(
      (await rotateIn(store, makeRotation(first.successor.hash, now, { graceMs: 0 }))).outcome,
      'rotated',
    );
    const replay = await rotateIn(store, makeRotation(hash, now, { graceMs: 0 }));
    assert.equal(replay.outcome, 'reused');
    assert.equal(await store.sessions.get(session.id), null);
  });

  it('treats a replay after the grace window as theft: the session and its whole family go', async () => {
    const { store, user, session, hash } = await seedFamily();
    const bystander = await seedSession(store, user.id);
    const bystanderHash = await seedToken(store, bystander.id);
    const first = makeRotation(hash, T0 + MINUTE);
    await rotateIn(store, first);
    const second = makeRotation(first.successor.hash, T0 + 2 * MINUTE);
    const rotated = (await rotateIn(store, second)) as Outcome<'rotated'>;
    assert.equal(rotated.outcome, 'rotated');

    const theft = await rotateIn(store, makeRotation(hash, T0 + 3 * MINUTE));
    assert.deepEqual(theft, { outcome: 'reused', session: rotated.session });
    assert.equal(await store.sessions.get(session.id), null);
    const successor = await rotateIn(store, makeRotation(second.successor.hash, T0 + 3 * MINUTE));
    assert.deepEqual(successor, { outcome: 'invalid' });

    assert.deepEqual(await store.sessions.get(bystander.id), bystander);
    assert.equal((await rotateIn(store, makeRotation(bystanderHash, T0 + SECOND))).outcome, 'rotated');
    await assertTokensGone(store, session, [hash, first.successor.hash, second.successor.hash]);
  });
}

/** Unknown tokens and dead sessions rotate nothing. */
function invalidRotationCases(current: CurrentStore) {
  const seedFamily = familySeeder(current);

  it('is invalid for an unknown token, and creates nothing', async () => {
    const { store, session } = await seedFamily();
    const input = makeRotation(randomHash(), T0 + MINUTE);
    assert.deepEqual(await rotateIn(store, input), { outcome: 'invalid' });
    assert.deepEqual(await rotateIn(store, makeRotation(input.successor.hash, T0 + MINUTE)), {
      outcome: 'invalid',
    });
    assert.deepEqual(await store.sessions.get(session.id), session);
  });

  it('is invalid once the session is idle- or absolute-expired, and consumes nothing', async () => {
    const idle = await seedFamily({ idleExpiresAt: T0 + MINUTE });
    const expired = makeRotation(idle.hash, T0 + MINUTE);
    assert.deepEqual(await rotateIn(idle.store, expired), { outcome: 'invalid' });
    assert.deepEqual(await idle.store.sessions.get(idle.session.id), idle.session);
    assert.deepEqual(await rotateIn(idle.store, makeRotation(expired.successor.hash, T0)), {
      outcome: 'invalid',
    });
    // Still unconsumed: at an instant when the session was live, the same token rotates.
    assert.equal((await rotateIn(idle.store, makeRotation(idle.hash, T0 + SECOND))).outcome, 'rotated');

    const absolute = await seedFamily({
      absoluteExpiresAt: T0 + 2 * MINUTE,
      idleExpiresAt: T0 + 2 * MINUTE,
    });
    const late = makeRotation(absolute.hash, T0 + 3 * MINUTE);
    assert.deepEqual(await rotateIn(absolute.store, late), { outcome: 'invalid' });
    assert.deepEqual(await absolute.store.sessions.get(absolute.session.id), absolute.session);
  });

  it('is invalid, not reuse, for a consumed token whose session has expired', async () => {
    const { store, session, hash } = await seedFamily({ absoluteExpiresAt: T0 + 2 * MINUTE });
    assert.equal((await rotateIn(store, makeRotation(hash, T0 + MINUTE))).outcome, 'rotated');
    const after = await store.sessions.get(session.id);
    assert.deepEqual(await rotateIn(store, makeRotation(hash, T0 + 2 * MINUTE)), {
      outcome: 'invalid',
    });
    assert.deepEqual(await store.sessions.get(session.id), after);
  });

  it('is invalid once the session is revoked', async () => {
    const { store, session, hash } = await seedFamily();
    await store.sessions.revoke(session.id);
    assert.deepEqual(await rotateIn(store, makeRotation(hash, T0 + MINUTE)), {
      outcome: 'invalid',
    });
  });
}

/** Parallel rotations of one token serialise. */
function concurrentRotationCases(current: CurrentStore) {
  const seedFamily = familySeeder(current);

  it('serialises 50 parallel rotations of one token: one winner, 49 replays of its successor', async () => {
    const { store, session, hash } = await seedFamily();
    // Warm up: a pooled backend opens its connections now, so the rotations below truly overlap
    // instead of running one by one while the pool is still connecting.
    await Promise.all(Array.from({ length: 50 }, () => store.sessions.get(session.id)));
    const now = T0 + MINUTE;
    const inputs = Array.from({ length: 50 }, () => makeRotation(hash, now));
    const results = await Promise.all(inputs.map((input) => rotateIn(store, input)));

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
      const attempt = await rotateIn(store, makeRotation(loser.successor.hash, later));
      assert.deepEqual(attempt, { outcome: 'invalid' });
    }
    assert.equal((await rotateIn(store, makeRotation(winner.successor.hash, later))).outcome, 'rotated');
    assert.notEqual(await store.sessions.get(session.id), null);

    const replayAfterGrace = await rotateIn(store, makeRotation(hash, now + GRACE_MS + 1));
    assert.equal(replayAfterGrace.outcome, 'reused');
    assert.equal(await store.sessions.get(session.id), null);
  });
}
