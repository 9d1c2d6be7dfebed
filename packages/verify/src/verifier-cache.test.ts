import assert from 'node:assert/strict';
import type { RevocationEvent } from '@gatehouse/core';
import { describe, it } from 'node:test';
import { createFixture, createTestKey } from './testing/fixture.ts';

const revoked = { ok: false, status: 401, code: 'ERR_TOKEN_REVOKED' } as const;

describe('createVerifier: verification cache', () => {
  it('answers a repeat token from the cache', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const first = await t.verifier.verifyToken(token);
    const second = await t.verifier.verifyToken(token);
    assert.deepEqual(second, first);
    const metrics = t.verifier.metrics();
    assert.equal(metrics.cacheMisses, 1);
    assert.equal(metrics.cacheHits, 1);
    assert.equal(metrics.cacheSize, 1);
    await t.stop();
  });

  const events: [
    string,
    (claims: { sid: string; sub: string; jti: string; exp: number }, now: number) => RevocationEvent,
  ][] = [
    ['session', (c) => ({ type: 'session', sid: c.sid, sub: c.sub, until: c.exp * 1000 })],
    ['user', (c, now) => ({ type: 'user', sub: c.sub, before: now + 1000, until: c.exp * 1000 })],
    ['token', (c) => ({ type: 'token', jti: c.jti, until: c.exp * 1000 })],
    ['key', (c) => ({ type: 'key', kid: 'k1', until: c.exp * 1000 })],
  ];
  for (const [kind, eventFor] of events) {
    it(`refuses a cached token on the very next request after a ${kind} event`, async () => {
      const t = await createFixture();
      const { token, claims } = await t.sign();
      await t.verifier.verifyToken(token);
      assert.equal((await t.verifier.verifyToken(token)).ok, true);
      assert.equal(t.verifier.metrics().cacheHits, 1, 'second request was a cache hit');

      await t.feed.publish([eventFor(claims, t.clock.now())]);

      assert.deepEqual(await t.verifier.verifyToken(token), revoked);
      const metrics = t.verifier.metrics();
      assert.equal(metrics.cacheHits, 1, 'no hit after the event');
      assert.equal(metrics.cacheRevocations, 1);
      assert.equal(metrics.cacheSize, 0);
      await t.stop();
    });
  }

  for (const [kind, eventFor] of events) {
    it(`refuses on first sight after a ${kind} event that came once the set had been asked empty`, async () => {
      // No cache: every request is a first sight, answered by the revocation set alone.
      const t = await createFixture({ cache: { maxEntries: 0 } });
      const { token, claims } = await t.sign();
      const bearer = { headers: { authorization: `Bearer ${token}` } };
      assert.equal((await t.verifier.verifyRequest(bearer)).ok, true, 'the set is empty');
      await t.feed.publish([eventFor(claims, t.clock.now())]);
      assert.deepEqual(await t.verifier.verifyRequest(bearer), revoked);
      assert.deepEqual(await t.verifier.verifyToken(token), revoked);
      if (kind !== 'token') {
        const other = await t.sign();
        assert.deepEqual(await t.verifier.verifyToken(other.token), revoked, 'a token not seen before');
      }
      await t.stop();
    });
  }

  it('drops only the entries an event names', async () => {
    const t = await createFixture();
    const a = (await t.sign({ sid: 'session-a' })).token;
    const b = (await t.sign({ sid: 'session-b' })).token;
    await t.verifier.verifyToken(a);
    await t.verifier.verifyToken(b);
    await t.feed.publish([
      { type: 'session', sid: 'session-a', sub: 'user-1', until: t.clock.now() + 600_000 },
    ]);
    assert.equal(t.verifier.metrics().cacheSize, 1);
    assert.equal((await t.verifier.verifyToken(b)).ok, true);
    assert.equal(t.verifier.metrics().cacheHits, 1);
    await t.stop();
  });

  it('keys by the whole token: a forged token with a cached jti is still verified, and refused', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    await t.verifier.verifyToken(token);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = signature.at(-2) === 'A' ? 'B' : 'A';
    const forged = `${header}.${payload}.${signature.slice(0, -2)}${flipped}${signature.at(-1)}`;
    assert.deepEqual(await t.verifier.verifyToken(forged), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_SIGNATURE',
    });
    await t.stop();
  });

  it('drops an entry at its exp and re-verifies (leeway applies) until the core refuses it', async () => {
    const t = await createFixture();
    const { token, claims } = await t.sign();
    await t.verifier.verifyToken(token);
    t.clock.set(claims.exp * 1000);
    t.feed.heartbeat();
    assert.equal((await t.verifier.verifyToken(token)).ok, true, 'inside the leeway');
    assert.deepEqual(t.verifier.metrics().cacheHits, 0);
    assert.deepEqual(t.verifier.metrics().cacheSize, 0, 'an expired token is not re-cached');
    t.advance(30_000);
    assert.deepEqual(await t.verifier.verifyToken(token), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_EXPIRED',
    });
    await t.stop();
  });

  it('is bounded: the least recently used entry goes first', async () => {
    const t = await createFixture({ cache: { maxEntries: 2 } });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async (sid) => (await t.sign({ sid })).token));
    await t.verifier.verifyToken(a!);
    await t.verifier.verifyToken(b!);
    await t.verifier.verifyToken(a!); // a is now the most recent
    await t.verifier.verifyToken(c!); // evicts b
    assert.equal(t.verifier.metrics().cacheSize, 2);
    const hitsBefore = t.verifier.metrics().cacheHits;
    await t.verifier.verifyToken(a!);
    assert.equal(t.verifier.metrics().cacheHits, hitsBefore + 1, 'a still cached');
    await t.verifier.verifyToken(b!);
    assert.equal(t.verifier.metrics().cacheHits, hitsBefore + 1, 'b was evicted');
    await t.stop();
  });

  it('maxEntries 0 disables the cache', async () => {
    const t = await createFixture({ cache: { maxEntries: 0 } });
    const { token } = await t.sign();
    await t.verifier.verifyToken(token);
    await t.verifier.verifyToken(token);
    assert.equal(t.verifier.metrics().cacheHits, 0);
    await t.stop();
  });

  it('answers every Authorization header as the full header parser would, remembered or not', async () => {
    const t = await createFixture();
    // The reference: an uncached verifier, sent the scheme in lower case, which only the full parser reads.
    const reference = await createFixture({
      clock: t.clock,
      jwks: { keys: [t.key.jwk] },
      cache: { maxEntries: 0 },
    });
    const { token } = await t.sign();
    const bound = (await t.sign({ jkt: 'j'.repeat(43) })).token;
    const fresh = (await t.sign({ sid: 'session-2' })).token;
    const otherKid = (await t.signerFor(createTestKey('k2')).sign({ sub: 'u', sid: 's', roles: [] })).token;
    const forged = `${token.slice(0, -2)}${token.endsWith('A') ? 'BA' : 'AA'}`;
    for (const remembered of [token, bound]) assert.ok(await t.verifier.verifyToken(remembered));
    const values = [token, bound, fresh, otherKid, forged, `${fresh}=`, `${fresh}.x`, 'a b', '', ' '];
    const headers = values.flatMap((value) => [
      `Bearer ${value}`,
      `Bearer  ${value}`,
      `Bearer ${value} `,
      `Bearer ${value}\t`,
      `Bearer ${value},Bearer ${value}`,
      `Bearer ${value.slice(0, -1)}`,
      [`Bearer ${value}`],
    ]);
    for (const authorization of headers) {
      const request = { headers: { authorization }, method: 'GET', url: '/orders' };
      const lower = (header: string) => header.replace(/^Bearer/, 'bearer');
      const expected = {
        ...request,
        headers: {
          authorization: Array.isArray(authorization) ? authorization.map(lower) : lower(authorization),
        },
      };
      assert.deepEqual(
        await t.verifier.verifyRequest(request),
        await reference.verifier.verifyRequest(expected),
        JSON.stringify(authorization).slice(0, 60),
      );
    }
    assert.ok(t.verifier.metrics().cacheHits > 0);
    await reference.stop();
    await t.stop();
  });
});
