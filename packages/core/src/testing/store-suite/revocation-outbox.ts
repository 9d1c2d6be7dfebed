import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RevocationEvent } from '../../revocation/revocation-event.ts';
import {
  type CurrentStore,
  GRACE_MS,
  MINUTE,
  makeRotation,
  SECOND,
  seedSession,
  seedToken,
  seedUser,
  T0,
} from './fixtures.ts';

export function describeRevocationOutbox(current: CurrentStore) {
  describe('revocation outbox', () => {
    it('a reuse records the session revocation, pending, with the deletion; markPublished clears it', async (t) => {
      const store = current();
      const outbox = store.revocationOutbox;
      if (!outbox) return t.skip(`${store.kind} has no revocation outbox`);
      const user = await seedUser(store);
      const stolen = await seedSession(store, user.id);
      const kept = await seedSession(store, user.id);
      const stolenHash = await seedToken(store, stolen.id);
      const keptHash = await seedToken(store, kept.id);
      const first = makeRotation(stolenHash, T0 + MINUTE);
      assert.equal((await store.refreshTokens.rotate(first)).outcome, 'rotated');
      assert.equal(
        (await store.refreshTokens.rotate(makeRotation(first.successor.hash, T0 + MINUTE))).outcome,
        'rotated',
      );
      assert.equal(
        (await store.refreshTokens.rotate(makeRotation(keptHash, T0 + MINUTE))).outcome,
        'rotated',
      );
      const mine = (events: RevocationEvent[]) =>
        events.filter((event) => event.type === 'session' && event.sub === user.id);
      assert.deepEqual(
        mine(await outbox.listPending(T0 + 2 * MINUTE, 0, 1000)),
        [],
        'a rotation records nothing',
      );

      const theftAt = T0 + MINUTE + GRACE_MS + 1;
      const until = theftAt + 10 * MINUTE;
      const theft = await store.refreshTokens.rotate(
        makeRotation(stolenHash, theftAt, { revocationUntil: until }),
      );
      assert.equal(theft.outcome, 'reused');
      const revoked: RevocationEvent = { type: 'session', sid: stolen.id, sub: user.id, until };
      assert.deepEqual(mine(await outbox.listPending(theftAt + 1, 0, 1000)), [revoked]);
      assert.deepEqual(
        mine(await outbox.listPending(theftAt, 0, 1000)),
        [],
        'pending since the theft, not before',
      );
      assert.deepEqual(mine(await outbox.listPending(theftAt + 1, until + 1, 1000)), [], 'no longer live');
      if (store.revocations) {
        const live = (await store.revocations.listLive(until)).filter((event) => event.type === 'session');
        assert.deepEqual(
          live.filter((event) => event.type === 'session' && event.sid === stolen.id),
          [revoked],
          'durable, as every revocation',
        );
      }
      await outbox.markPublished([revoked]);
      assert.deepEqual(mine(await outbox.listPending(theftAt + MINUTE, 0, 1000)), []);
    });

    it('keeps recorded rows pending until a publish covers them', async (t) => {
      const store = current();
      const revocations = store.revocations;
      if (!revocations) return t.skip(`${store.kind} keeps no durable revocations`);
      const session: RevocationEvent = { type: 'session', sid: 'outbox-s1', sub: 'u1', until: T0 + MINUTE };
      const user: RevocationEvent = { type: 'user', sub: 'outbox-u2', before: T0, until: T0 + MINUTE };
      const key: RevocationEvent = { type: 'key', kid: 'outbox-k1', until: T0 + MINUTE };
      await revocations.record([session, user], T0);
      await revocations.record([key]);
      const pending = async (olderThan: number) =>
        (await revocations.listPending(olderThan, T0, 100)).map((event) => JSON.stringify(event)).sort();
      assert.deepEqual(await pending(T0 + 1), [JSON.stringify(session), JSON.stringify(user)].sort());
      assert.deepEqual(await pending(T0), []);
      assert.deepEqual(await revocations.listPending(T0 + 1, T0 + MINUTE + 1, 100), [], 'expired');

      // Recorded again with a later until and before while pending: an older publish does not cover it.
      const laterUser: RevocationEvent = { ...user, before: T0 + SECOND, until: T0 + 2 * MINUTE };
      await revocations.record([laterUser], T0 + SECOND);
      await revocations.markPublished([session, user]);
      assert.deepEqual(await pending(T0 + 2 * SECOND), [JSON.stringify(laterUser)], 'pending since T0 still');
      assert.deepEqual(await pending(T0 + 1), [JSON.stringify(laterUser)], 'keeps its first date');
      await revocations.markPublished([laterUser]);
      assert.deepEqual(await pending(T0 + MINUTE), []);

      // Published rows become pending again when recorded pending once more.
      await revocations.record([session], T0 + 5 * SECOND);
      assert.deepEqual(await pending(T0 + 5 * SECOND + 1), [JSON.stringify(session)]);
      assert.equal((await revocations.listLive(T0)).length, 3, 'the outbox changes no revocation');
    });
  });
}
