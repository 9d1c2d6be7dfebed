import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../types.ts';
import { createVerificationCache } from './verification-cache.ts';

const principal = (sub: string, sid: string): Principal => ({
  sub,
  sid,
  roles: [],
  strategy: 'jwt',
  exp: 100,
});

/** `count` tokens, each its own sid and jti, their subs taken in turn from `users`. */
function fill(maxEntries: number, count: number, users: number) {
  const cache = createVerificationCache(maxEntries);
  for (let i = 0; i < count; i++) {
    const sub = `user-${i % users}`;
    cache.set(`token-${i}`, principal(sub, `sid-${i}`), 1000, { sid: `sid-${i}`, sub, jti: `jti-${i}` });
  }
  return cache;
}

describe('verification cache buckets', () => {
  it('finds every entry an event names, and only those, after the buckets grew', () => {
    // 200 entries: the buckets grow from 16 four times; every bucket holds several values.
    const cache = fill(1000, 200, 7);
    assert.equal(cache.size, 200);
    for (let i = 0; i < 200; i += 3) {
      assert.equal(cache.drop({ type: 'token', jti: `jti-${i}`, until: 0 }), 1, `jti-${i}`);
      assert.equal(cache.get(`token-${i}`, 'jwt', 0), undefined);
    }
    for (let i = 1; i < 200; i += 3) {
      assert.equal(cache.drop({ type: 'session', sid: `sid-${i}`, sub: 'x', until: 0 }), 1, `sid-${i}`);
    }
    assert.equal(cache.drop({ type: 'token', jti: 'jti-0', until: 0 }), 0, 'already gone');
    assert.equal(cache.drop({ type: 'session', sid: 'sid-200', sub: 'x', until: 0 }), 0, 'never held');
    // Left: i % 3 === 2, 66 tokens; user-k holds those with i % 7 === k.
    let left = 0;
    for (let k = 0; k < 7; k++) {
      let named = 0;
      for (let i = 2; i < 200; i += 3) if (i % 7 === k) named++;
      assert.equal(cache.drop({ type: 'user', sub: `user-${k}`, before: 0, until: 0 }), named, `user-${k}`);
      left += named;
    }
    assert.equal(left, 66);
    assert.equal(cache.size, 0);
  });

  it('answers each token only for its own string while many share buckets', () => {
    const cache = fill(1000, 300, 5);
    for (let i = 0; i < 300; i++) {
      assert.equal(cache.get(`token-${i}`, 'jwt', 0)?.sid, `sid-${i}`);
      assert.equal(cache.getBearer(`Bearer token-${i}`, 0)?.sid, `sid-${i}`);
      assert.equal(cache.get(`token-${i}x`, 'jwt', 0), undefined, 'one character more');
      assert.equal(cache.getBearer(`Bearer token-${i}`.slice(0, -1), 0)?.sid === `sid-${i}`, false);
    }
  });

  it('keeps a revoked entry (tombstone) through growth, and evicts in order when full', () => {
    const cache = createVerificationCache(40);
    cache.set('revoked', principal('u', 's-r'), 1000, { sid: 's-r', sub: 'u', jti: 'j-r' });
    assert.equal(cache.drop({ type: 'token', jti: 'j-r', until: 1000 }, 0), 1);
    for (let i = 0; i < 30; i++)
      cache.set(`t-${i}`, principal('u', `s-${i}`), 1000, { sid: `s-${i}`, sub: 'u' });
    // Refused after the buckets grew; the lookup makes it the most recently used.
    assert.equal(cache.get('revoked', 'jwt', 0), null);
    for (let i = 30; i < 60; i++)
      cache.set(`t-${i}`, principal('u', `s-${i}`), 1000, { sid: `s-${i}`, sub: 'u' });
    assert.equal(cache.get('t-20', 'jwt', 0), undefined, 'among the 21 oldest: evicted');
    assert.equal(cache.get('t-21', 'jwt', 0)?.sid, 's-21');
    assert.equal(cache.get('revoked', 'jwt', 0), null, 'still refused');
    assert.equal(cache.size, 39);
    assert.equal(cache.tombstones, 1);
    assert.equal(cache.drop({ type: 'user', sub: 'u', before: 0, until: 0 }), 39);
  });
});
