import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CurrentStore, T0, HOUR, makeKey } from './fixtures.ts';

export function describeKeys(current: CurrentStore) {
  describe('keys', () => {
    it('starts empty', async () => {
      assert.deepEqual(await current().keys.list(), []);
    });

    it('rotate makes the new key the only active one and retires the previous at now', async () => {
      const store = current();
      const first = makeKey({ createdAt: T0 });
      const second = makeKey({ alg: 'EdDSA', createdAt: T0 + HOUR });
      const third = makeKey({ alg: 'HS256', publicJwk: '', createdAt: T0 + 2 * HOUR });
      await store.keys.rotate(first, T0);
      assert.deepEqual(await store.keys.list(), [first]);
      await store.keys.rotate(second, T0 + HOUR);
      await store.keys.rotate(third, T0 + 2 * HOUR);

      assert.deepEqual(await store.keys.list(), [
        third,
        { ...second, status: 'retired', retiredAt: T0 + 2 * HOUR },
        { ...first, status: 'retired', retiredAt: T0 + HOUR },
      ]);
    });

    it('leaves exactly one active key when rotations race', async () => {
      const store = current();
      await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          store.keys.rotate(makeKey({ createdAt: T0 + index }), T0 + HOUR),
        ),
      );
      const keys = await store.keys.list();
      assert.equal(keys.length, 8);
      assert.equal(keys.filter((key) => key.status === 'active').length, 1);
    });

    it('remove deletes a key at once, active or retired', async () => {
      const store = current();
      const retired = makeKey({ createdAt: T0 });
      const active = makeKey({ createdAt: T0 + 1 });
      await store.keys.rotate(retired, T0);
      await store.keys.rotate(active, T0 + 1);
      assert.equal(await store.keys.remove(active.kid), true);
      assert.deepEqual(await store.keys.list(), [{ ...retired, status: 'retired', retiredAt: T0 + 1 }]);
      assert.equal(await store.keys.remove(active.kid), false);
      assert.equal(await store.keys.remove(retired.kid), true);
      assert.deepEqual(await store.keys.list(), []);
    });

    it('pruneRetired deletes only keys retired strictly before the cut-off and returns their kids', async () => {
      const store = current();
      const oldest = makeKey({ createdAt: T0 });
      const old = makeKey({ createdAt: T0 + 1 });
      const recent = makeKey({ createdAt: T0 + 2 });
      const active = makeKey({ createdAt: T0 + 3 });
      await store.keys.rotate(oldest, T0);
      await store.keys.rotate(old, T0 + HOUR);
      await store.keys.rotate(recent, T0 + 2 * HOUR);
      await store.keys.rotate(active, T0 + 3 * HOUR);

      assert.deepEqual(await store.keys.pruneRetired(T0 + 2 * HOUR), [oldest.kid]);
      assert.deepEqual(
        (await store.keys.list()).map((key) => key.kid),
        [active.kid, recent.kid, old.kid],
      );
      assert.deepEqual(await store.keys.pruneRetired(T0 + 2 * HOUR), []);
      const pruned = await store.keys.pruneRetired(T0 + 100 * HOUR);
      assert.deepEqual([...pruned].sort(), [old.kid, recent.kid].sort());
      assert.deepEqual(await store.keys.list(), [active]);
    });
  });
}
