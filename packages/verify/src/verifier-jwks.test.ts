import assert from 'node:assert/strict';
import { createAccessTokenSigner, createInProcessFeed, type InProcessFeed } from '@gatehouse/core';
import { createManualClock } from '@gatehouse/core/testing';
import { describe, it } from 'node:test';
import { createVerifier } from './create-verifier.ts';
import { JWKS_REFETCH_INTERVAL_MS } from './lib/jwks-keys.ts';
import { audience, createTestKey, issuer, type TestKey } from './testing/fixture.ts';

/** A JWKS endpoint whose key list the test changes, counting fetches. */
function jwksServer(initial: TestKey[]) {
  const state = { keys: initial, fetches: 0, fail: false };
  const fetch = (async (url: string) => {
    state.fetches++;
    assert.equal(url, 'https://auth.test/.well-known/jwks.json');
    if (state.fail) return new Response('nope', { status: 500 });
    return Response.json({ keys: state.keys.map((key) => key.jwk) });
  }) as typeof globalThis.fetch;
  return { state, fetch };
}

async function setup(initial: TestKey[], onFeed?: (feed: InProcessFeed) => Promise<void>) {
  const clock = createManualClock();
  const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
  await onFeed?.(feed);
  const server = jwksServer(initial);
  const errors: unknown[] = [];
  const verifier = createVerifier({
    issuer,
    audience,
    algorithms: ['ES256'],
    jwksUrl: 'https://auth.test/.well-known/jwks.json',
    feed,
    clock,
    fetch: server.fetch,
    onError: (error) => errors.push(error),
  });
  await verifier.start();
  const sign = (key: TestKey) =>
    createAccessTokenSigner({
      issuer,
      audience,
      clock,
      keys: { getSigningKey: () => ({ kid: key.kid, alg: 'ES256', privateKey: key.privateKey }) },
    })
      .sign({ sub: 'user-1', sid: 'session-1' })
      .then((signed) => signed.token);
  const advance = (ms: number) => {
    clock.advance(ms);
    feed.heartbeat();
  };
  return { clock, feed, server, verifier, sign, advance, errors };
}

describe('createVerifier: JWKS from a URL', () => {
  it('loads the keys on start and verifies with them', async () => {
    const key = createTestKey('k1');
    const t = await setup([key]);
    assert.equal(t.server.state.fetches, 1);
    assert.equal((await t.verifier.verifyToken(await t.sign(key))).ok, true);
    await t.verifier.stop();
  });

  it('start() rejects when the JWKS cannot be fetched, and can be retried', async () => {
    const clock = createManualClock();
    const server = jwksServer([createTestKey('k1')]);
    server.state.fail = true;
    const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
    const verifier = createVerifier({
      issuer,
      audience,
      algorithms: ['ES256'],
      jwksUrl: 'https://auth.test/.well-known/jwks.json',
      feed,
      clock,
      fetch: server.fetch,
    });
    await assert.rejects(verifier.start(), /HTTP 500/);
    assert.equal(feed.followers, 0, 'no half-started follower');
    server.state.fail = false;
    await verifier.start();
    assert.equal(feed.followers, 1);
    await verifier.stop();
  });

  it('an unknown-kid flood of 1000 tokens causes at most one fetch per window', async () => {
    const known = createTestKey('k1');
    const t = await setup([known]);
    const strangers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => t.sign(createTestKey(`stranger-${i % 10}`))),
    );
    const kidMiss = { ok: false, status: 401, code: 'ERR_TOKEN_KID' };

    // Right after start: the window is closed, so no fetch at all.
    for (const result of await Promise.all(strangers.map((token) => t.verifier.verifyToken(token)))) {
      assert.deepEqual(result, kidMiss);
    }
    assert.equal(t.server.state.fetches, 1);

    // Window open: a concurrent flood shares one fetch, then sequential requests get none.
    t.advance(JWKS_REFETCH_INTERVAL_MS);
    const concurrent = await Promise.all(strangers.map((token) => t.verifier.verifyToken(token)));
    assert.ok(concurrent.every((result) => !result.ok && result.code === 'ERR_TOKEN_KID'));
    assert.equal(t.server.state.fetches, 2);
    for (const token of strangers) await t.verifier.verifyToken(token);
    assert.equal(t.server.state.fetches, 2);
    assert.equal(t.verifier.metrics().jwksFetches, 2);

    t.advance(JWKS_REFETCH_INTERVAL_MS - 1);
    await t.verifier.verifyToken(strangers[0]!);
    assert.equal(t.server.state.fetches, 2, 'still inside the window');
    t.advance(1);
    await t.verifier.verifyToken(strangers[0]!);
    assert.equal(t.server.state.fetches, 3);
    await t.verifier.stop();
  });

  it('picks up a rotated key on its first token once the window allows', async () => {
    const first = createTestKey('k1');
    const second = createTestKey('k2');
    const t = await setup([first]);
    t.server.state.keys = [first, second];
    t.advance(JWKS_REFETCH_INTERVAL_MS);
    assert.equal((await t.verifier.verifyToken(await t.sign(second))).ok, true);
    assert.equal(t.server.state.fetches, 2);
    await t.verifier.stop();
  });

  it('a key event for a key it holds lets the next kid miss fetch at once, once; one for a key it never held does not', async () => {
    const first = createTestKey('k1');
    const second = createTestKey('k2');
    const t = await setup([first]);
    // The server dropped k1 and signs with k2 (a store that lost its keys, an admin revocation).
    t.server.state.keys = [second];
    const until = t.clock.now() + 600_000;
    await t.feed.publish([{ type: 'key', kid: 'never-held', until }]);
    assert.equal((await t.verifier.verifyToken(await t.sign(second))).ok, false, 'inside the window');
    assert.equal(t.server.state.fetches, 1);

    await t.feed.publish([{ type: 'key', kid: first.kid, until }]);
    await t.feed.publish([{ type: 'key', kid: first.kid, until }]);
    assert.equal((await t.verifier.verifyToken(await t.sign(second))).ok, true, 'fetched at once');
    assert.equal(t.server.state.fetches, 2);
    const stranger = await t.sign(createTestKey('stranger'));
    assert.equal((await t.verifier.verifyToken(stranger)).ok, false);
    assert.equal(t.server.state.fetches, 2, 'the window is closed again');
    assert.deepEqual(
      await t.verifier.verifyToken(await t.sign(first)),
      { ok: false, status: 401, code: 'ERR_TOKEN_KID' },
      'the revoked key left with the refetch',
    );
    await t.verifier.stop();
  });

  it('a key event in the snapshot it starts with counts too, and a set still listing the kid costs one fetch, not one a miss', async () => {
    const first = createTestKey('k1');
    const second = createTestKey('k2');
    const until = Date.now() + 600_000;
    // The feed says k1 is revoked; the server's set still lists k1 alone (it has not reloaded yet).
    const t = await setup([first], (feed) => feed.publish([{ type: 'key', kid: first.kid, until }]));
    const tokenOfSecond = await t.sign(second);
    assert.equal((await t.verifier.verifyToken(tokenOfSecond)).ok, false);
    assert.equal(t.server.state.fetches, 2, 'the set listed a revoked kid: the miss fetched at once');
    assert.equal((await t.verifier.verifyToken(tokenOfSecond)).ok, false);
    assert.equal(t.server.state.fetches, 2, 'the same outdated set again: the window holds');

    t.server.state.keys = [second];
    t.advance(JWKS_REFETCH_INTERVAL_MS);
    assert.equal((await t.verifier.verifyToken(tokenOfSecond)).ok, true);
    await t.verifier.stop();
  });

  it('a failed refetch is reported, answers ERR_TOKEN_KID, and keeps the keys it had', async () => {
    const key = createTestKey('k1');
    const t = await setup([key]);
    t.server.state.fail = true;
    t.advance(JWKS_REFETCH_INTERVAL_MS);
    const stranger = await t.sign(createTestKey('k9'));
    assert.deepEqual(await t.verifier.verifyToken(stranger), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_KID',
    });
    assert.equal(t.errors.length, 1);
    assert.equal((await t.verifier.verifyToken(await t.sign(key))).ok, true);
    await t.verifier.stop();
  });
});
