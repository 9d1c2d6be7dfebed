import assert from 'node:assert/strict';
import { createManualClock } from '@gatehouse/core/testing';
import { describe, it } from 'node:test';
import { createVerifier } from './create-verifier.ts';
import { audience, createFixture, createSilentFeed, createTestKey, issuer } from './testing/fixture.ts';
import type { Principal } from './types.ts';

const stale = { ok: false, status: 503, code: 'ERR_FEED_STALE' } as const;

describe('createVerifier: staleness', () => {
  it('fails closed before start()', async () => {
    const key = createTestKey('k1');
    const verifier = createVerifier({
      issuer,
      audience,
      algorithms: ['ES256'],
      jwks: { keys: [key.jwk] },
      feed: createSilentFeed(),
    });
    assert.deepEqual(await verifier.verifyToken('a.b.c'), stale);
  });

  it('fail-closed: a cached, valid token gets 503 once the feed is silent past maxStalenessMs', async () => {
    const clock = createManualClock();
    const t = await createFixture({ clock, feed: createSilentFeed(), maxStalenessMs: 5000 });
    const { token } = await t.sign();
    await t.verifier.verifyToken(token);
    clock.advance(5000);
    assert.equal((await t.verifier.verifyToken(token)).ok, true, 'exactly maxStalenessMs is not stale yet');
    assert.equal(t.verifier.metrics().cacheHits, 1);
    clock.advance(1);
    assert.deepEqual(await t.verifier.verifyToken(token), stale);
    const metrics = t.verifier.metrics();
    assert.equal(metrics.cacheHits, 1, 'the cache was not consulted');
    assert.equal(metrics.staleRequests, 1);
    assert.equal(metrics.feedLagMs, 5001);
    await t.stop();
  });

  it('a heartbeat makes it fresh again', async () => {
    const t = await createFixture({ maxStalenessMs: 5000 });
    const { token } = await t.sign();
    t.clock.advance(6000);
    assert.deepEqual(await t.verifier.verifyToken(token), stale);
    t.feed.heartbeat();
    assert.equal((await t.verifier.verifyToken(token)).ok, true);
    await t.stop();
  });

  it("'introspect': bypasses the cache and uses the introspection answer", async () => {
    const asked: string[] = [];
    let answer: Principal | null = {
      sub: 'user-1',
      sid: 'session-1',
      roles: ['auditor'],
      strategy: 'jwt',
      exp: 1,
    };
    const clock = createManualClock();
    const t = await createFixture({
      clock,
      feed: createSilentFeed(),
      onStale: 'introspect',
      introspect: async (token) => {
        asked.push(token);
        return answer;
      },
    });
    const { token } = await t.sign();
    await t.verifier.verifyToken(token); // cached while fresh
    clock.advance(5001);
    const result = await t.verifier.verifyToken(token);
    assert.deepEqual(result, { ok: true, principal: { ...answer, roles: ['auditor'] } });
    assert.deepEqual(asked, [token]);
    assert.equal(t.verifier.metrics().cacheHits, 0);
    assert.equal(t.verifier.metrics().introspections, 1);

    answer = null;
    assert.deepEqual(await t.verifier.verifyToken(token), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_REVOKED',
    });
    assert.equal(asked.length, 2, 'asked every time: nothing cached while stale');
    await t.stop();
  });

  it("'introspect': parallel requests with one token make one call, and past the bound a request is 503 without one", {
    timeout: 5000,
  }, async () => {
    const asked: string[] = [];
    const pending: Array<() => void> = [];
    const clock = createManualClock();
    const t = await createFixture({
      clock,
      feed: createSilentFeed(),
      onStale: 'introspect',
      introspect: (token) => {
        asked.push(token);
        const principal: Principal = { sub: 'user-1', sid: 'session-1', roles: [], strategy: 'jwt', exp: 1 };
        return new Promise((resolve) => pending.push(() => resolve(principal)));
      },
      upstream: { maxConcurrent: 1, maxQueued: 1 },
    });
    const [first, second, third] = [await t.sign(), await t.sign(), await t.sign()];
    clock.advance(5001);
    const same = Array.from({ length: 10 }, () => t.verifier.verifyToken(first.token));
    const queued = t.verifier.verifyToken(second.token);
    const refused = await t.verifier.verifyToken(third.token);
    assert.deepEqual(refused, stale, 'one running, one waiting: the third is refused at once');
    /** Answers the next call once it has been made (a bounded wait: a call never made fails the test). */
    const answerNext = async () => {
      for (let turn = 0; pending.length === 0 && turn < 100; turn++)
        await new Promise((resolve) => setImmediate(resolve));
      assert.ok(pending.length > 0, 'a call was made');
      pending.shift()!();
    };
    await answerNext();
    assert.ok((await Promise.all(same)).every((result) => result.ok));
    await answerNext();
    assert.equal((await queued).ok, true);
    assert.deepEqual(asked, [first.token, second.token], 'one call for ten requests; none for the refused');
    assert.equal(t.verifier.metrics().introspections, 2);
    await t.stop();
  });

  it("'introspect': junk never reaches the auth server, and an unreachable one means 503", async () => {
    let calls = 0;
    const clock = createManualClock();
    const t = await createFixture({
      clock,
      feed: createSilentFeed(),
      onStale: 'introspect',
      introspect: async () => {
        calls++;
        throw new Error('auth server down');
      },
      onError: () => {},
    });
    clock.advance(5001);
    assert.deepEqual(await t.verifier.verifyToken('not.a.jwt'), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_MALFORMED',
    });
    assert.equal(calls, 0);
    const { token } = await t.sign();
    assert.deepEqual(await t.verifier.verifyToken(token), stale);
    assert.equal(calls, 1);
    await t.stop();
  });

  it("'introspect': a token the feed already revoked is refused without asking", async () => {
    let calls = 0;
    const clock = createManualClock();
    const events = [
      { type: 'session' as const, sid: 'session-1', sub: 'user-1', until: clock.now() + 600_000 },
    ];
    const t = await createFixture({
      clock,
      feed: createSilentFeed(events),
      onStale: 'introspect',
      introspect: async () => {
        calls++;
        return null;
      },
    });
    clock.advance(5001);
    const { token } = await t.sign();
    assert.deepEqual(await t.verifier.verifyToken(token), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_REVOKED',
    });
    assert.equal(calls, 0);
    await t.stop();
  });
});
