import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withGetters } from './with-getters.ts';

describe('withGetters', () => {
  it('adds live, read-only, enumerable getters to the object itself', () => {
    let count = 1;
    const target = { bump: () => count++ };
    const object = withGetters<{ bump(): number; readonly count: number }, 'count'>(target, {
      count: () => count,
    });
    assert.equal(object, target);
    assert.equal(object.count, 1);
    object.bump();
    assert.equal(object.count, 2);
    assert.deepEqual(Object.keys(object), ['bump', 'count']);
    assert.throws(() => {
      (object as { count: number }).count = 5;
    }, TypeError);
    assert.equal(object.count, 2);
  });
});
