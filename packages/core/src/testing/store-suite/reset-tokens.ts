import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CurrentStore,
  T0,
  SECOND,
  MINUTE,
  randomHash,
  seedUser,
  RESET_TTL_MS,
  makeResetToken,
} from './fixtures.ts';

export function describeResetTokens(current: CurrentStore) {
  describe('resetTokens', () => {
    resetConsumeCases(current);
    resetReplacementCases(current);
  });
}

/** Consuming a reset token: once, atomically, and only before its expiry. */
function resetConsumeCases(current: CurrentStore) {
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
}

/** Replacing and deleting tokens, by user, by expiry and with the user. */
function resetReplacementCases(current: CurrentStore) {
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
}
