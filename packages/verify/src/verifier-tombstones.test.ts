import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { RevocationEvent } from '@gatehouse/core';
import { createFixture } from './testing/fixture.ts';

const revoked = { ok: false, status: 401, code: 'ERR_TOKEN_REVOKED' } as const;

/**
 * Counts signature checks: a spy (calling through) on node:crypto's `verify`, which the core
 * verifier calls once per ES256 signature. Named imports of a builtin see it after
 * syncBuiltinESMExports.
 */
let signatureChecks: { mock: { callCount(): number } };
beforeEach(() => {
  signatureChecks = mock.method(crypto, 'verify');
  syncBuiltinESMExports();
});
afterEach(() => {
  mock.restoreAll();
  syncBuiltinESMExports();
});

/** A started fixture and an uncached reference verifier on the same clock and key, each on its own feed. */
async function pair(options: { maxEntries?: number } = {}) {
  const t = await createFixture(
    options.maxEntries === undefined ? {} : { cache: { maxEntries: options.maxEntries } },
  );
  const reference = await createFixture({
    clock: t.clock,
    jwks: { keys: [t.key.jwk] },
    cache: { maxEntries: 0 },
  });
  return {
    t,
    reference,
    async publish(events: RevocationEvent[]) {
      await t.feed.publish(events);
      await reference.feed.publish(events);
    },
    advance(ms: number) {
      t.advance(ms);
      reference.feed.heartbeat();
    },
    async stop() {
      await reference.stop();
      await t.stop();
    },
  };
}

describe('createVerifier: a revoked cached token is remembered as revoked (tombstone)', () => {
  it('refuses it from the cache with the full path’s answer, for every scheme, without a signature check', async () => {
    const p = await pair();
    const { t, reference } = p;
    const { token, claims } = await t.sign();
    const bound = (await t.sign({ jkt: 'j'.repeat(43) })).token;
    assert.equal((await t.verifier.verifyToken(token)).ok, true);
    await t.verifier.verifyToken(bound); // refused (binding), but remembered as verified
    assert.equal(t.verifier.metrics().cacheSize, 2);

    await p.publish([{ type: 'session', sid: claims.sid, sub: claims.sub, until: claims.exp * 1000 }]);
    assert.equal(t.verifier.metrics().cacheTombstones, 2);
    assert.equal(t.verifier.metrics().cacheSize, 0, 'nothing left that accepts');

    const requests = [token, bound].flatMap((value) => [
      { headers: { authorization: `Bearer ${value}` } },
      { headers: { authorization: `DPoP ${value}` }, method: 'GET', url: '/orders' },
      { headers: { authorization: `DPoP ${value}`, dpop: 'x.y.z' }, method: 'GET', url: '/orders' },
      { headers: { authorization: `Bearer ${value}`, dpop: 'x.y.z' }, method: 'GET', url: '/orders' },
    ]);
    const before = signatureChecks.mock.callCount();
    const answers = [];
    for (const request of requests) answers.push(await t.verifier.verifyRequest(request));
    answers.push(await t.verifier.verifyToken(token), await t.verifier.verifyToken(bound));
    assert.equal(signatureChecks.mock.callCount(), before, 'no signature checked for a tombstone');

    const expected = [];
    for (const request of requests) expected.push(await reference.verifier.verifyRequest(request));
    expected.push(await reference.verifier.verifyToken(token), await reference.verifier.verifyToken(bound));
    assert.ok(signatureChecks.mock.callCount() > before, 'the uncached verifier checks signatures');
    assert.deepEqual(answers, expected);
    assert.deepEqual(answers.at(-2), revoked);
    assert.ok(
      answers.some((answer) => !answer.ok && answer.scheme === 'DPoP'),
      'DPoP scheme kept',
    );

    const metrics = t.verifier.metrics();
    assert.equal(metrics.cacheRefusals, answers.length);
    assert.equal(metrics.accepted, 1, 'only the first request');
    assert.equal(metrics.rejected.ERR_TOKEN_REVOKED, reference.verifier.metrics().rejected.ERR_TOKEN_REVOKED);
    await p.stop();
  });

  it('refuses the session’s and user’s other tokens, and still accepts a token issued after a user event', async () => {
    const p = await pair();
    const { t } = p;
    const cached = (await t.sign()).token;
    const sameSession = (await t.sign()).token; // never presented before the event
    const sameUser = (await t.sign({ sid: 'session-2' })).token;
    await t.verifier.verifyToken(cached);
    await t.verifier.verifyToken(sameUser);

    await p.publish([{ type: 'session', sid: 'session-1', sub: 'user-1', until: t.clock.now() + 600_000 }]);
    assert.deepEqual(await t.verifier.verifyToken(cached), revoked);
    assert.deepEqual(await t.verifier.verifyToken(sameSession), revoked);
    assert.equal((await t.verifier.verifyToken(sameUser)).ok, true, 'another session of the user');

    const before = t.clock.now() + 1000;
    await p.publish([{ type: 'user', sub: 'user-1', before, until: t.clock.now() + 600_000 }]);
    assert.deepEqual(await t.verifier.verifyToken(sameUser), revoked);
    assert.equal(t.verifier.metrics().cacheTombstones, 2);
    p.advance(2000);
    const later = (await t.sign({ sid: 'session-3' })).token;
    await t.verifier.verifyToken(later);
    // A user event that arrives again (a replay, a snapshot) names the later token too: it stays.
    await p.publish([{ type: 'user', sub: 'user-1', before, until: t.clock.now() + 600_000 }]);
    assert.equal((await t.verifier.verifyToken(later)).ok, true, 'issued after `before`');
    assert.equal(t.verifier.metrics().cacheTombstones, 2);
    await p.stop();
  });

  it('lasts until the token’s exp: then the full path answers (revoked in the leeway, then expired)', async () => {
    const p = await pair();
    const { t } = p;
    const { token, claims } = await t.sign();
    await t.verifier.verifyToken(token);
    // The event outlives the token: the tombstone still ends at its exp.
    await p.publish([{ type: 'token', jti: claims.jti, until: claims.exp * 1000 + 3_600_000 }]);
    assert.equal(t.verifier.metrics().cacheTombstones, 1);
    p.advance(claims.exp * 1000 - 1 - t.clock.now());
    const checks = signatureChecks.mock.callCount();
    assert.deepEqual(await t.verifier.verifyToken(token), revoked);
    assert.equal(signatureChecks.mock.callCount(), checks, 'still a tombstone just before exp');

    p.advance(1);
    assert.deepEqual(await t.verifier.verifyToken(token), revoked);
    assert.equal(signatureChecks.mock.callCount(), checks + 1, 'verified in full at exp');
    assert.equal(t.verifier.metrics().cacheTombstones, 0);
    p.advance(31_000);
    assert.deepEqual(await t.verifier.verifyToken(token), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_EXPIRED',
    });
    await p.stop();
  });

  it('counts tombstones against maxEntries: an evicted one is refused by the full path', async () => {
    const p = await pair({ maxEntries: 2 });
    const { t } = p;
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(async (sid) => (await t.sign({ sid })).token));
    await t.verifier.verifyToken(a!);
    await p.publish([{ type: 'session', sid: 'a', sub: 'user-1', until: t.clock.now() + 600_000 }]);
    await t.verifier.verifyToken(b!);
    assert.deepEqual(t.verifier.metrics().cacheSize + t.verifier.metrics().cacheTombstones, 2);
    await t.verifier.verifyToken(c!); // evicts a's tombstone, the least recently used
    const metrics = t.verifier.metrics();
    assert.equal(metrics.cacheSize, 2);
    assert.equal(metrics.cacheTombstones, 0);
    const checks = signatureChecks.mock.callCount();
    assert.deepEqual(await t.verifier.verifyToken(a!), revoked);
    assert.equal(signatureChecks.mock.callCount(), checks + 1, 'verified in full');
    await p.stop();
  });

  it('is not consulted while the feed is stale: fail-closed still answers 503', async () => {
    const t = await createFixture({ maxStalenessMs: 1000 });
    const { token, claims } = await t.sign();
    await t.verifier.verifyToken(token);
    await t.feed.publish([{ type: 'session', sid: claims.sid, sub: claims.sub, until: claims.exp * 1000 }]);
    t.clock.advance(1001);
    assert.deepEqual(await t.verifier.verifyToken(token), { ok: false, status: 503, code: 'ERR_FEED_STALE' });
    t.feed.heartbeat();
    assert.deepEqual(await t.verifier.verifyToken(token), revoked);
    assert.equal(t.verifier.metrics().cacheRefusals, 1);
    await t.stop();
  });
});
