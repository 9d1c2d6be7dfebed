import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveSetKeyFor } from './live-set-key.ts';

describe('liveSetKeyFor', () => {
  it('tags an untagged stream key with its whole name, which is the slot Redis hashes it to', () => {
    assert.equal(liveSetKeyFor('gatehouse:revocations'), '{gatehouse:revocations}:live');
  });

  it('keeps the hash tag of a tagged stream key', () => {
    assert.equal(liveSetKeyFor('{gh}:revocations'), '{gh}:revocations:live');
    assert.equal(liveSetKeyFor('a}b{c}d'), 'a}b{c}d:live');
  });

  it('refuses braces that do not form a tag Redis would honour', () => {
    for (const key of ['a{}b', 'a{b', 'a}b', '}{']) assert.throws(() => liveSetKeyFor(key), TypeError, key);
  });
});
