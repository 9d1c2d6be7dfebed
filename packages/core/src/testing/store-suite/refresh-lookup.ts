import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GatehouseStore } from '../../store/types.ts';
import {
  type CurrentStore,
  GRACE_MS,
  MINUTE,
  makeRotation,
  randomHash,
  seedSession,
  seedToken,
  seedUser,
  T0,
} from './fixtures.ts';

/**
 * `sessionIdFor(hash)` names `expected` (or null), and where the store has the optional
 * `sessionFor`, that returns the session as `sessions.get` reads it (or null).
 */
async function assertLookup(store: GatehouseStore, hash: string, expected: string | null, message?: string) {
  assert.equal(await store.refreshTokens.sessionIdFor(hash), expected, message);
  if (!store.refreshTokens.sessionFor) return;
  const session = expected === null ? null : await store.sessions.get(expected);
  assert.deepEqual(await store.refreshTokens.sessionFor(hash), session, message);
}

export function describeRefreshLookup(current: CurrentStore) {
  describe('refreshTokens.sessionIdFor and sessionFor', () => {
    it('names the session of a live or consumed token, and consumes nothing', async () => {
      const store = current();
      const user = await seedUser(store);
      const session = await seedSession(store, user.id);
      const other = await seedSession(store, user.id);
      const hash = await seedToken(store, session.id);
      const otherHash = await seedToken(store, other.id);

      await assertLookup(store, hash, session.id);
      await assertLookup(store, otherHash, other.id);
      const rotation = makeRotation(hash, T0 + MINUTE);
      assert.equal((await store.refreshTokens.rotate(rotation)).outcome, 'rotated');
      await assertLookup(store, hash, session.id, 'consumed');
      await assertLookup(store, rotation.successor.hash, session.id, 'successor');
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
      await assertLookup(store, revokedHash, null);

      const stolen = await seedSession(store, user.id);
      const stolenHash = await seedToken(store, stolen.id);
      const rotation = makeRotation(stolenHash, T0 + MINUTE);
      await store.refreshTokens.rotate(rotation);
      await store.refreshTokens.rotate(makeRotation(rotation.successor.hash, T0 + MINUTE));
      const theft = await store.refreshTokens.rotate(makeRotation(stolenHash, T0 + MINUTE + GRACE_MS + 1));
      assert.equal(theft.outcome, 'reused');
      await assertLookup(store, stolenHash, null);
      await assertLookup(store, rotation.successor.hash, null);
    });
  });
}
