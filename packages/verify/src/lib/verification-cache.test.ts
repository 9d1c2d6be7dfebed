import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../types.ts';
import { createVerificationCache } from './verification-cache.ts';

const principal = (sid: string, strategy: Principal['strategy'] = 'jwt'): Principal => ({
  sub: 'u1',
  sid,
  roles: [],
  strategy,
  exp: 100,
});

describe('createVerificationCache', () => {
  it('misses for another kind of credential with the same string', () => {
    const cache = createVerificationCache(10);
    cache.set('value', principal('s1', 'session'), 1000, { sid: 's1', sub: 'u1' });
    assert.equal(cache.get('value', 'jwt', 0), undefined);
    assert.deepEqual(cache.get('value', 'session', 0), principal('s1', 'session'));
  });

  it('expires at expiresAtMs exactly', () => {
    const cache = createVerificationCache(10);
    cache.set('t', principal('s1'), 1000, { sid: 's1', sub: 'u1' });
    assert.ok(cache.get('t', 'jwt', 999));
    assert.equal(cache.get('t', 'jwt', 1000), undefined);
    assert.equal(cache.size, 0);
  });

  it('drops by each index, touching only the entries named', () => {
    const cache = createVerificationCache(10);
    cache.set('a', principal('s1'), 1000, { sid: 's1', sub: 'u1', jti: 'j1', kid: 'k1' });
    cache.set('b', principal('s2'), 1000, { sid: 's2', sub: 'u1', jti: 'j2', kid: 'k1' });
    cache.set('c', principal('s3'), 1000, { sid: 's3', sub: 'u2', jti: 'j3', kid: 'k2' });
    assert.equal(cache.drop({ type: 'token', jti: 'j9', until: 0 }), 0);
    assert.equal(cache.drop({ type: 'token', jti: 'j1', until: 0 }), 1);
    assert.equal(cache.drop({ type: 'session', sid: 's1', sub: 'u1', until: 0 }), 0, 'already gone');
    assert.equal(cache.drop({ type: 'key', kid: 'k1', until: 0 }), 1);
    assert.equal(cache.drop({ type: 'user', sub: 'u2', before: 0, until: 0 }), 1);
    assert.equal(cache.size, 0);
  });

  it('cleans the indexes on eviction and on replacement', () => {
    const cache = createVerificationCache(1);
    cache.set('a', principal('s1'), 1000, { sid: 's1', sub: 'u1' });
    cache.set('b', principal('s2'), 1000, { sid: 's2', sub: 'u1' }); // evicts a
    assert.equal(cache.get('a', 'jwt', 0), undefined);
    cache.set('b', principal('s3'), 1000, { sid: 's3', sub: 'u1' }); // replaces b's index entries
    assert.equal(cache.drop({ type: 'session', sid: 's2', sub: 'u1', until: 0 }), 0);
    assert.equal(cache.drop({ type: 'session', sid: 's3', sub: 'u1', until: 0 }), 1);
  });

  it('answers only for the exact string, even when two share their tail; the later replaces the earlier', () => {
    const cache = createVerificationCache(10);
    const tail = 'x'.repeat(40);
    cache.set(`a${tail}`, principal('s1'), 1000, { sid: 's1', sub: 'u1' });
    assert.equal(cache.get(`b${tail}`, 'jwt', 0), undefined);
    assert.equal(cache.get(tail, 'jwt', 0), undefined);
    assert.ok(cache.get(`a${tail}`, 'jwt', 0));
    cache.set(`b${tail}`, principal('s2'), 1000, { sid: 's2', sub: 'u1' });
    assert.equal(cache.get(`a${tail}`, 'jwt', 0), undefined);
    assert.equal(cache.get(`b${tail}`, 'jwt', 0)?.sid, 's2');
    assert.equal(cache.size, 1);
    assert.equal(cache.drop({ type: 'session', sid: 's1', sub: 'u1', until: 0 }), 0);
    assert.equal(cache.drop({ type: 'session', sid: 's2', sub: 'u1', until: 0 }), 1);
  });

  it('evicts the least recently used entry, however often the newest is hit', () => {
    const cache = createVerificationCache(2);
    cache.set('a', principal('s1'), 1000, { sid: 's1', sub: 'u1' });
    cache.set('b', principal('s2'), 1000, { sid: 's2', sub: 'u1' });
    assert.ok(cache.get('b', 'jwt', 0));
    assert.ok(cache.get('a', 'jwt', 0));
    assert.ok(cache.get('a', 'jwt', 0));
    cache.set('c', principal('s3'), 1000, { sid: 's3', sub: 'u1' }); // evicts b
    assert.equal(cache.get('b', 'jwt', 0), undefined);
    assert.ok(cache.get('c', 'jwt', 0));
    assert.ok(cache.get('a', 'jwt', 0));
    cache.set('d', principal('s4'), 1000, { sid: 's4', sub: 'u1' }); // evicts c
    assert.equal(cache.get('c', 'jwt', 0), undefined);
    assert.ok(cache.get('a', 'jwt', 0));
    cache.set('e', principal('s5'), 1000, { sid: 's5', sub: 'u1' }); // newest now, a next
    assert.ok(cache.get('a', 'jwt', 0));
    cache.set('f', principal('s6'), 1000, { sid: 's6', sub: 'u1' }); // evicts e
    assert.equal(cache.get('e', 'jwt', 0), undefined);
    assert.ok(cache.get('a', 'jwt', 0));
  });
  it('keeps a revoked token as a tombstone only for its exact string, its kind, and not past its expiry', () => {
    const cache = createVerificationCache(10);
    const token = `${'h'.repeat(40)}.${'s'.repeat(30)}`;
    const sameTag = `${'x'.repeat(40)}.${'s'.repeat(30)}`;
    cache.set(token, principal('s1'), 1000, { sid: 's1', sub: 'u1', jti: 'j1', kid: 'k1', iat: 0 });
    assert.equal(cache.drop({ type: 'session', sid: 's1', sub: 'u1', until: 900 }, 100), 1);
    assert.equal(cache.get(token, 'jwt', 100), null);
    assert.equal(cache.get(sameTag, 'jwt', 100), undefined, 'another token with the same tail');
    assert.equal(cache.get(token, 'session', 100), undefined, 'another kind');
    assert.equal(cache.drop({ type: 'token', jti: 'j1', until: 5000 }, 100), 0, 'no longer indexed');
    assert.equal(cache.get(token, 'jwt', 899), null);
    assert.equal(cache.get(token, 'jwt', 900), undefined, "at the event's until");
    assert.equal(cache.tombstones, 0);
  });

  it('keeps no tombstone for a session cookie, an event already past, or a token issued after a user event', () => {
    const cache = createVerificationCache(10);
    cache.set('cookie', principal('s1', 'session'), 1000, { sid: 's1', sub: 'u1' });
    cache.set('old', principal('s2'), 1000, { sid: 's2', sub: 'u1', iat: 1 });
    cache.set('new', principal('s3'), 1000, { sid: 's3', sub: 'u1', iat: 2 });
    cache.set('past', principal('s4'), 1000, { sid: 's4', sub: 'u2', iat: 1 });
    assert.equal(cache.drop({ type: 'session', sid: 's1', sub: 'u1', until: 5000 }, 100), 1);
    assert.equal(cache.get('cookie', 'session', 100), undefined);
    assert.equal(cache.drop({ type: 'user', sub: 'u1', before: 2000, until: 5000 }, 100), 2);
    assert.equal(cache.get('old', 'jwt', 100), null);
    assert.equal(cache.get('new', 'jwt', 100), undefined, 'iat 2 s is not before 2000 ms');
    assert.equal(cache.drop({ type: 'user', sub: 'u2', before: 2000, until: 100 }, 100), 1);
    assert.equal(cache.get('past', 'jwt', 100), undefined);
    assert.equal(cache.tombstones, 1);
    assert.equal(cache.size, 0);
  });
});
