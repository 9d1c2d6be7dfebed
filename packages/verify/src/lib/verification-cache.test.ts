import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Principal } from '../types.ts';
import { tagOf } from './cache-entry.ts';
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

  it('keeps credentials that share a tag side by side, each answered only for its own string', () => {
    const cache = createVerificationCache(10);
    const tail = 'x'.repeat(40);
    // Same length, same last characters: the same tag.
    assert.equal(tagOf(`a${tail}`), tagOf(`b${tail}`));
    cache.set(`a${tail}`, principal('s1'), 1000, { sid: 's1', sub: 'u1' });
    assert.equal(cache.get(`b${tail}`, 'jwt', 0), undefined);
    assert.equal(cache.get(`c${tail}`, 'jwt', 0), undefined);
    assert.equal(cache.get(tail, 'jwt', 0), undefined);
    cache.set(`b${tail}`, principal('s2'), 1000, { sid: 's2', sub: 'u1' });
    assert.equal(cache.size, 2);
    assert.equal(cache.get(`a${tail}`, 'jwt', 0)?.sid, 's1');
    assert.equal(cache.get(`b${tail}`, 'jwt', 0)?.sid, 's2');
    assert.equal(cache.get(`c${tail}`, 'jwt', 0), undefined);
    cache.set(`a${tail}`, principal('s3'), 1000, { sid: 's3', sub: 'u1' }); // the same string: replaced
    assert.equal(cache.size, 2);
    assert.equal(cache.get(`a${tail}`, 'jwt', 0)?.sid, 's3');
    assert.equal(cache.drop({ type: 'session', sid: 's1', sub: 'u1', until: 0 }), 0, 'replaced');
    assert.equal(cache.drop({ type: 'session', sid: 's2', sub: 'u1', until: 0 }), 1);
    assert.equal(cache.get(`b${tail}`, 'jwt', 0), undefined);
    assert.equal(cache.get(`a${tail}`, 'jwt', 0)?.sid, 's3');
  });

  it('holds maxEntries credentials when every one has the same tag, evicting in recency order', () => {
    const cache = createVerificationCache(4, () => 7);
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
    const put = (i: number) => cache.set(keys[i]!, principal(`s${i}`), 1000, { sid: `s${i}`, sub: 'u1' });
    for (let i = 0; i < 4; i++) put(i);
    assert.equal(cache.size, 4, 'no entry took another one’s place');
    for (let i = 0; i < 4; i++) assert.equal(cache.get(keys[i]!, 'jwt', 0)?.sid, `s${i}`);
    assert.equal(cache.get('k9', 'jwt', 0), undefined);
    assert.ok(cache.get(keys[0]!, 'jwt', 0)); // recency: k1 k2 k3 k0
    put(4); // evicts k1, from the middle of the chain
    assert.equal(cache.get(keys[1]!, 'jwt', 0), undefined);
    assert.equal(cache.size, 4);
    assert.equal(cache.drop({ type: 'session', sid: 's3', sub: 'u1', until: 500 }, 0), 1); // k3: a tombstone
    assert.equal(cache.get(keys[3]!, 'jwt', 0), null);
    assert.equal(cache.get(keys[5]!, 'jwt', 0), undefined, 'a tombstone answers only its own string');
    put(5); // evicts k2 (k3's tombstone was used above: k2 k0 k4 k3)
    assert.equal(cache.get(keys[2]!, 'jwt', 0), undefined);
    put(6); // evicts k0
    assert.equal(cache.get(keys[0]!, 'jwt', 0), undefined);
    for (const i of [4, 5, 6]) assert.equal(cache.get(keys[i]!, 'jwt', 0)?.sid, `s${i}`);
    assert.equal(cache.get(keys[3]!, 'jwt', 0), null);
    assert.equal(cache.size + cache.tombstones, 4);
    assert.equal(cache.drop({ type: 'user', sub: 'u1', before: 0, until: 0 }, 0), 3);
    assert.equal(cache.size, 0);
    put(0);
    assert.equal(cache.get(keys[0]!, 'jwt', 0)?.sid, 's0');
  });

  it('matches a Bearer header or a Cookie header source only to its own entry when all share one tag', () => {
    const cache = createVerificationCache(10, () => 7);
    cache.set('tok-a', principal('s1'), 1000, { sid: 's1', sub: 'u1' });
    cache.set('tok-b', principal('s2'), 1000, { sid: 's2', sub: 'u1' });
    cache.set('cookie-a', principal('s3', 'session'), 1000, { sid: 's3', sub: 'u1' });
    cache.set('cookie-b', principal('s4', 'session'), 1000, { sid: 's4', sub: 'u1' });
    for (let round = 0; round < 3; round++) {
      // First round: matched by value, the header kept; later rounds: by the kept header.
      assert.equal(cache.getBearer('Bearer tok-a', 0)?.sid, 's1');
      assert.equal(cache.getBearer('Bearer tok-b', 0)?.sid, 's2');
      assert.equal(cache.getBearer('Bearer tok-c', 0), undefined);
      assert.equal(cache.getBearer('Bearer cookie-a', 0), undefined, 'a session value is not a token');
      assert.equal(cache.get('cookie-a', 'session', 0, 'gh=cookie-a')?.sid, 's3');
      assert.equal(cache.get('cookie-b', 'session', 0, 'gh=cookie-b; x=1')?.sid, 's4');
      assert.equal(cache.get('cookie-c', 'session', 0, 'gh=cookie-c')?.sid, undefined);
      assert.equal(cache.get('tok-a', 'session', 0, 'gh=tok-a'), undefined, 'a token is not a session value');
    }
    // Another header with the same value: matched by value, and it becomes the kept source.
    assert.equal(cache.get('cookie-a', 'session', 0, 'x=2; gh=cookie-a')?.sid, 's3');
    assert.equal(cache.get('cookie-a', 'session', 0, 'gh=cookie-a')?.sid, 's3');
    assert.equal(cache.size, 4);
  });

  it('getKnownSource answers only the session entry that kept exactly this header, while it is held', () => {
    for (const tagFor of [() => 7, tagOf]) {
      const cache = createVerificationCache(2, tagFor);
      cache.set('cookie-a', principal('s1', 'session'), 1000, { sid: 's1', sub: 'u1' });
      cache.set('tok-a', principal('s2'), 1000, { sid: 's2', sub: 'u1' });
      assert.equal(cache.getKnownSource('gh=cookie-a', 0), undefined, 'no header kept yet');
      assert.equal(cache.get('cookie-a', 'session', 0, 'gh=cookie-a')?.sid, 's1');
      assert.equal(cache.getBearer('Bearer tok-a', 0)?.sid, 's2');
      for (let round = 0; round < 2; round++) {
        assert.equal(cache.getKnownSource('gh=cookie-a', 0)?.sid, 's1');
        assert.equal(cache.getKnownSource('gh=cookie-a; gh=x', 0), undefined, 'a longer header');
        assert.equal(cache.getKnownSource('gh=cookie-b', 0), undefined, 'another value');
        assert.equal(cache.getKnownSource('Bearer tok-a', 0), undefined, "a token's kept header");
      }
      // Another header for the same value: that one is kept, the first one no longer known.
      assert.equal(cache.get('cookie-a', 'session', 0, 'x=1; gh=cookie-a')?.sid, 's1');
      assert.equal(cache.getKnownSource('gh=cookie-a', 0), undefined, 'the header it no longer keeps');
      assert.equal(cache.getKnownSource('x=1; gh=cookie-a', 0)?.sid, 's1');
      // Gone from the cache (revoked, evicted, expired): gone from what getKnownSource finds.
      cache.drop({ type: 'session', sid: 's1', sub: 'u1', until: 1000 }, 0);
      assert.equal(cache.getKnownSource('x=1; gh=cookie-a', 0), undefined, 'revoked');
      cache.set('cookie-a', principal('s1', 'session'), 1000, { sid: 's1', sub: 'u1' });
      assert.equal(cache.get('cookie-a', 'session', 0, 'gh=cookie-a')?.sid, 's1');
      cache.set('tok-b', principal('s3'), 1000, { sid: 's3', sub: 'u1' });
      cache.set('tok-c', principal('s4'), 1000, { sid: 's4', sub: 'u1' });
      assert.equal(cache.getKnownSource('gh=cookie-a', 0), undefined, 'evicted');
      cache.set('cookie-a', principal('s1', 'session'), 1000, { sid: 's1', sub: 'u1' });
      assert.equal(cache.get('cookie-a', 'session', 0, 'gh=cookie-a')?.sid, 's1');
      assert.equal(cache.getKnownSource('gh=cookie-a', 1000), undefined, 'expired');
      assert.equal(cache.get('cookie-a', 'session', 0), undefined, 'and removed');
    }
  });

  it('keeps every one of many random tokens up to maxEntries (a full cache loses none)', () => {
    const count = 20_000;
    const cache = createVerificationCache(count);
    const tokens = Array.from({ length: count }, () => `h.p.${randomBytes(64).toString('base64url')}`);
    for (const [i, token] of tokens.entries())
      cache.set(token, principal(`s${i}`), 1000, { sid: `s${i}`, sub: 'u' });
    assert.equal(cache.size, count);
    for (const [i, token] of tokens.entries()) assert.equal(cache.get(token, 'jwt', 0)?.sid, `s${i}`);
  });

  it('getBearer answers a Bearer header exactly as get answers its token, every time it is asked', () => {
    const cache = createVerificationCache(10);
    const tail = 'x'.repeat(40);
    cache.set(`a${tail}`, principal('s1'), 1000, { sid: 's1', sub: 'u1', jti: 'j1' });
    cache.set('ab', principal('s2'), 1000, { sid: 's2', sub: 'u1' });
    cache.set('c', principal('s3', 'session'), 1000, { sid: 's3', sub: 'u1' });
    for (let round = 0; round < 3; round++) {
      // A first match compares the token; later ones the remembered header: same answers.
      assert.equal(cache.getBearer(`Bearer a${tail}`, 0)?.sid, 's1');
      assert.equal(cache.getBearer(`Bearer b${tail}`, 0), undefined, 'same length, same tail');
      assert.equal(cache.getBearer(`Bearer ${tail}`, 0), undefined, 'a suffix of the token');
      assert.equal(cache.getBearer(`Bearer ba${tail}`, 0), undefined, 'the token as a suffix');
      assert.equal(cache.getBearer('Bearer ab', 0)?.sid, 's2', 'shorter than a tag');
      assert.equal(cache.getBearer('Bearer b', 0), undefined);
      assert.equal(cache.getBearer('Bearer c', 0), undefined, 'a session cookie is not a token');
    }
    assert.equal(cache.drop({ type: 'token', jti: 'j1', until: 900 }, 100), 1);
    assert.equal(cache.getBearer(`Bearer a${tail}`, 100), null, 'a tombstone');
    assert.equal(cache.getBearer(`Bearer b${tail}`, 100), undefined);
    assert.equal(cache.getBearer(`Bearer a${tail}`, 900), undefined, 'past its until');
    assert.equal(cache.getBearer('Bearer ab', 1000), undefined, 'expired');
    assert.equal(cache.size, 1);
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
  it('keeps recency right when entries leave from the middle (expiry, replacement, revocation)', () => {
    const cache = createVerificationCache(3);
    cache.set('a', principal('s1'), 1000, { sid: 's1', sub: 'u1' });
    cache.set('b', principal('s2'), 50, { sid: 's2', sub: 'u1' });
    cache.set('c', principal('s3'), 1000, { sid: 's3', sub: 'u1', jti: 'j3' });
    assert.equal(cache.get('b', 'jwt', 50), undefined, 'expired: leaves from the middle');
    cache.set('d', principal('s4'), 1000, { sid: 's4', sub: 'u1' }); // room for it: nothing evicted
    assert.equal(cache.size, 3);
    assert.ok(cache.get('a', 'jwt', 60)); // order now c, d, a
    assert.equal(cache.drop({ type: 'token', jti: 'j3', until: 0 }, 60), 1); // c leaves: d, a
    cache.set('d', principal('s5'), 1000, { sid: 's5', sub: 'u1' }); // replaced: a, d
    cache.set('e', principal('s6'), 1000, { sid: 's6', sub: 'u1' }); // a, d, e
    cache.set('f', principal('s7'), 1000, { sid: 's7', sub: 'u1' }); // evicts a
    assert.equal(cache.get('a', 'jwt', 60), undefined);
    assert.equal(cache.get('d', 'jwt', 60)?.sid, 's5'); // e, f, d
    cache.set('g', principal('s8'), 1000, { sid: 's8', sub: 'u1' }); // evicts e
    assert.equal(cache.get('e', 'jwt', 60), undefined);
    assert.ok(cache.get('f', 'jwt', 60));
    assert.ok(cache.get('g', 'jwt', 60));
    assert.ok(cache.get('d', 'jwt', 60));
    assert.equal(cache.size, 3);
    assert.equal(cache.drop({ type: 'user', sub: 'u1', before: 0, until: 0 }, 60), 3);
    assert.equal(cache.size, 0);
    cache.set('h', principal('s9'), 1000, { sid: 's9', sub: 'u2' }); // the lists were emptied cleanly
    assert.ok(cache.get('h', 'jwt', 60));
  });

  it('dropSessions drops every session entry and no other', () => {
    const cache = createVerificationCache(10);
    cache.set('cookie-a', principal('s1', 'session'), 1000, { sid: 's1', sub: 'u1' });
    cache.set('tok-a', principal('s2'), 1000, { sid: 's2', sub: 'u1', jti: 'j1' });
    cache.set('cookie-b', principal('s3', 'session'), 1000, { sid: 's3', sub: 'u1' });
    assert.equal(cache.get('cookie-b', 'session', 0, 'gh=cookie-b')?.sid, 's3');
    assert.equal(cache.drop({ type: 'token', jti: 'j1', until: 500 }, 0), 1); // a tombstone
    cache.set('tok-b', principal('s4'), 1000, { sid: 's4', sub: 'u1', jti: 'j2' });
    assert.equal(cache.dropSessions(), 2);
    assert.equal(cache.get('cookie-a', 'session', 0), undefined);
    assert.equal(cache.getKnownSource('gh=cookie-b', 0), undefined);
    assert.equal(cache.get('tok-a', 'jwt', 0), null, 'the tombstone stays');
    assert.equal(cache.get('tok-b', 'jwt', 0)?.sid, 's4');
    assert.deepEqual([cache.size, cache.tombstones], [1, 1]);
    assert.equal(cache.dropSessions(), 0);
  });
});
