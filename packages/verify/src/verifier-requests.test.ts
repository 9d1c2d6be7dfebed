import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInProcessFeed, FeedCursorExpiredError } from '@gatehouse/core';
import { createManualClock } from '@gatehouse/core/testing';
import { SESSION_COOKIE } from './lib/read-credential.ts';
import { createPullFeedSource } from './pull-feed-source.ts';
import { createFixture } from './testing/fixture.ts';
import type { Principal } from './types.ts';

const refused = (code: string) => ({ ok: false, status: 401, code });
// Session tokens are `id.secret`: 22 + 43 base64url characters.
const cookieValue = `${'i'.repeat(22)}.${'s'.repeat(43)}`;
const otherCookieValue = `${'j'.repeat(22)}.${'t'.repeat(43)}`;

describe('createVerifier: reading the request', () => {
  it('accepts the Bearer scheme in any case', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const result = await t.verifier.verifyRequest({ headers: { authorization: `${scheme} ${token}` } });
      assert.equal(result.ok, true, scheme);
    }
    await t.stop();
  });

  it('answers a header one character away from a cached `Bearer <token>` as if nothing were cached', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const cached = { headers: { authorization: `Bearer ${token}` } };
    for (let round = 0; round < 3; round++) assert.equal((await t.verifier.verifyRequest(cached)).ok, true);
    for (const scheme of ['Bearer\t', 'Bearer:', 'Xearer ', 'BearerX', 'Bearer\u0100', ' Bearer']) {
      const request = { headers: { authorization: `${scheme}${token}` } };
      const fresh = await createFixture();
      const expected = await fresh.verifier.verifyRequest(request);
      await fresh.stop();
      assert.equal(expected.ok, false, JSON.stringify(scheme));
      assert.deepEqual(await t.verifier.verifyRequest(request), expected, JSON.stringify(scheme));
    }
    await t.stop();
  });

  it('refuses a request without credentials', async () => {
    const t = await createFixture();
    assert.deepEqual(await t.verifier.verifyRequest({ headers: {} }), refused('ERR_UNAUTHENTICATED'));
    await t.stop();
  });

  it('never reads a token from the query string (there is no URL in its input to read)', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const request = {
      headers: { host: 'api.test' },
      url: `/orders?access_token=${token}`,
      query: { access_token: token },
    };
    assert.deepEqual(await t.verifier.verifyRequest(request), refused('ERR_UNAUTHENTICATED'));
    await t.stop();
  });

  it('refuses two Authorization headers, other schemes and malformed Bearer values', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const cases: [string | string[], string][] = [
      [[`Bearer ${token}`, `Bearer ${token}`], 'ERR_TOKEN_MALFORMED'],
      [[], 'ERR_TOKEN_MALFORMED'],
      [`Bearer ${token}, Bearer ${token}`, 'ERR_TOKEN_MALFORMED'],
      [`Basic ${Buffer.from('a:b').toString('base64')}`, 'ERR_UNAUTHENTICATED'],
      ['', 'ERR_UNAUTHENTICATED'],
      ['Bearer', 'ERR_TOKEN_MALFORMED'],
      ['Bearer ', 'ERR_TOKEN_MALFORMED'],
      [`Bearer ${token} extra`, 'ERR_TOKEN_MALFORMED'],
      [`Bearer\t${token}`, 'ERR_TOKEN_MALFORMED'],
      [token, 'ERR_TOKEN_MALFORMED'],
    ];
    for (const [authorization, code] of cases) {
      assert.deepEqual(
        await t.verifier.verifyRequest({ headers: { authorization } }),
        refused(code),
        String(authorization),
      );
    }
    // The DPoP scheme is understood: an unbound token under it is refused with the DPoP challenge.
    assert.deepEqual(await t.verifier.verifyRequest({ headers: { authorization: `DPoP ${token}` } }), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_BINDING',
      scheme: 'DPoP',
    });
    assert.equal(
      (await t.verifier.verifyRequest({ headers: { authorization: [`Bearer ${token}`] } })).ok,
      true,
    );
    await t.stop();
  });

  it('the Authorization header wins over a cookie, and is not second-guessed by it', async () => {
    let calls = 0;
    const t = await createFixture({
      validateSession: async () => {
        calls++;
        return null;
      },
    });
    const headers = { authorization: 'Basic eA==', cookie: `${SESSION_COOKIE}=${cookieValue}` };
    assert.deepEqual(await t.verifier.verifyRequest({ headers }), refused('ERR_UNAUTHENTICATED'));
    assert.equal(calls, 0);
    await t.stop();
  });

  it('verifyToken refuses a non-string or empty token', async () => {
    const t = await createFixture();
    assert.deepEqual(await t.verifier.verifyToken(''), refused('ERR_TOKEN_MALFORMED'));
    assert.deepEqual(
      await t.verifier.verifyToken(undefined as unknown as string),
      refused('ERR_TOKEN_MALFORMED'),
    );
    await t.stop();
  });
});

describe('createVerifier: session cookies', () => {
  function sessionFixture() {
    const sessions = new Map<string, Principal>([
      [cookieValue, { sub: 'user-1', sid: 'i'.repeat(22), roles: ['reader'], strategy: 'session', exp: 0 }],
      [otherCookieValue, { sub: 'user-1', sid: 'j'.repeat(22), roles: [], strategy: 'session', exp: 0 }],
    ]);
    const calls: string[] = [];
    return {
      sessions,
      calls,
      validateSession: async (value: string) => {
        calls.push(value);
        return sessions.get(value) ?? null;
      },
    };
  }

  /**
   * A verifier (`overrides` on a manual clock) that has validated the session cookie and a token,
   * both now in its cache, and a store that no longer knows the session.
   */
  async function cachedSessionAndToken(
    overrides: Parameters<typeof createFixture>[0] & { clock: ReturnType<typeof createManualClock> },
  ) {
    const store = sessionFixture();
    const t = await createFixture({ ...overrides, validateSession: store.validateSession });
    const exp = Math.floor(overrides.clock.now() / 1000) + 3600;
    for (const principal of store.sessions.values()) principal.exp = exp;
    const request = { headers: { cookie: `${SESSION_COOKIE}=${cookieValue}` } };
    const { token } = await t.sign();
    assert.equal((await t.verifier.verifyRequest(request)).ok, true);
    assert.equal((await t.verifier.verifyToken(token)).ok, true);
    store.sessions.delete(cookieValue);
    return { t, store, request, token };
  }

  async function setup(options: { sessionTtlMs?: number } = {}) {
    const store = sessionFixture();
    const t = await createFixture({ validateSession: store.validateSession, cache: options });
    const exp = Math.floor(t.clock.now() / 1000) + 3600;
    for (const principal of store.sessions.values()) principal.exp = exp;
    const request = (value = cookieValue) => ({
      headers: { cookie: `theme=dark; ${SESSION_COOKIE}=${value}` },
    });
    return { ...t, ...store, request };
  }

  it('answers 503 ERR_UPSTREAM_UNAVAILABLE, uncached, when validateSession fails', async () => {
    const t = await createFixture({
      validateSession: async () => {
        throw new Error('auth server unreachable');
      },
    });
    try {
      const request = { headers: { cookie: `${SESSION_COOKIE}=${cookieValue}` } };
      assert.deepEqual(await t.verifier.verifyRequest(request), {
        ok: false,
        status: 503,
        code: 'ERR_UPSTREAM_UNAVAILABLE',
      });
      assert.equal(t.verifier.metrics().cacheHits, 0);
    } finally {
      await t.stop();
    }
  });

  it('validates through validateSession, then answers from the cache', async () => {
    const t = await setup();
    const first = await t.verifier.verifyRequest(t.request());
    assert.deepEqual(first, {
      ok: true,
      principal: {
        sub: 'user-1',
        sid: 'i'.repeat(22),
        roles: ['reader'],
        strategy: 'session',
        exp: t.sessions.get(cookieValue)!.exp,
      },
    });
    assert.deepEqual(await t.verifier.verifyRequest(t.request()), first);
    assert.deepEqual(t.calls, [cookieValue]);
    assert.equal(t.verifier.metrics().cacheHits, 1);
    await t.stop();
  });

  it('takes the cookie from parsed cookies when the framework gives them', async () => {
    const t = await setup();
    const result = await t.verifier.verifyRequest({
      headers: {},
      cookies: { [SESSION_COOKIE]: cookieValue },
    });
    assert.equal(result.ok, true);
    await t.stop();
  });

  it('drops the cached session on a session event and refuses the very next request', async () => {
    const t = await setup();
    // Asked more than once: the entry keeps the header, and a known header is answered by it.
    for (let round = 0; round < 3; round++) await t.verifier.verifyRequest(t.request());
    await t.verifier.verifyRequest(t.request(otherCookieValue));
    t.sessions.delete(cookieValue); // what the store does on revocation
    await t.feed.publish([
      { type: 'session', sid: 'i'.repeat(22), sub: 'user-1', until: t.clock.now() + 600_000 },
    ]);
    assert.deepEqual(await t.verifier.verifyRequest(t.request()), refused('ERR_SESSION_INVALID'));
    assert.deepEqual(t.calls, [cookieValue, otherCookieValue, cookieValue]);
    assert.equal(
      (await t.verifier.verifyRequest(t.request(otherCookieValue))).ok,
      true,
      'other session still cached',
    );
    assert.equal(t.calls.length, 3);
    await t.stop();
  });

  it('refuses a session the feed revoked even if a lagging store still returns it', async () => {
    const t = await setup();
    await t.feed.publish([
      { type: 'session', sid: 'i'.repeat(22), sub: 'user-1', until: t.clock.now() + 600_000 },
    ]);
    assert.deepEqual(await t.verifier.verifyRequest(t.request()), refused('ERR_SESSION_INVALID'));
    await t.stop();
  });

  it('a user event drops every cached session of that user, to be re-validated', async () => {
    const t = await setup();
    await t.verifier.verifyRequest(t.request());
    await t.verifier.verifyRequest(t.request(otherCookieValue));
    await t.feed.publish([
      { type: 'user', sub: 'user-1', before: t.clock.now(), until: t.clock.now() + 600_000 },
    ]);
    assert.equal(t.verifier.metrics().cacheSize, 0);
    await t.verifier.verifyRequest(t.request());
    assert.equal(t.calls.length, 3);
    await t.stop();
  });

  it('does not cache an answer that raced a revocation event', async () => {
    const t = await setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = await createFixture({
      clock: t.clock,
      feed: t.feed,
      validateSession: async (value) => {
        await gate;
        return t.sessions.get(value) ?? null;
      },
    });
    const pending = slow.verifier.verifyRequest(t.request());
    await t.feed.publish([
      { type: 'user', sub: 'user-1', before: t.clock.now(), until: t.clock.now() + 600_000 },
    ]);
    release();
    assert.equal((await pending).ok, true, 'answered as of when it was asked');
    assert.equal(slow.verifier.metrics().cacheSize, 0, 'but not remembered');
    await slow.verifier.stop();
    await t.stop();
  });

  it('re-validates a cached session after sessionTtlMs, so the store still sees activity', async () => {
    const t = await setup({ sessionTtlMs: 60_000 });
    await t.verifier.verifyRequest(t.request());
    t.advance(59_999);
    await t.verifier.verifyRequest(t.request());
    assert.equal(t.calls.length, 1);
    t.advance(1);
    await t.verifier.verifyRequest(t.request());
    assert.equal(t.calls.length, 2);
    await t.stop();
  });

  it('refuses malformed, duplicated or unvalidatable cookies without asking the store', async () => {
    const t = await setup();
    const cases: [string, string][] = [
      [`${SESSION_COOKIE}=short`, 'ERR_SESSION_INVALID'],
      [`${SESSION_COOKIE}=${cookieValue}; ${SESSION_COOKIE}=${otherCookieValue}`, 'ERR_SESSION_INVALID'],
      [`gh_session=${cookieValue}`, 'ERR_UNAUTHENTICATED'],
      [`${SESSION_COOKIE}=`, 'ERR_UNAUTHENTICATED'],
    ];
    for (const [cookie, code] of cases) {
      assert.deepEqual(await t.verifier.verifyRequest({ headers: { cookie } }), refused(code), cookie);
    }
    assert.equal(t.calls.length, 0);
    await t.stop();

    const bare = await createFixture();
    assert.deepEqual(
      await bare.verifier.verifyRequest(t.request()),
      refused('ERR_UNAUTHENTICATED'),
      'no validateSession',
    );
    await bare.stop();
  });

  it('answers a cached cookie only for its exact value, whichever header or parsed cookies carry it', async () => {
    const t = await setup();
    const { cookie } = t.request().headers;
    // Same length, same tail: an unknown session the store refuses.
    const forged = `k${cookieValue.slice(1)}`;
    for (let round = 0; round < 3; round++) {
      assert.equal((await t.verifier.verifyRequest({ headers: { cookie } })).ok, true);
      const sameHeader = { headers: { cookie }, cookies: { [SESSION_COOKIE]: forged } };
      assert.deepEqual(await t.verifier.verifyRequest(sameHeader), refused('ERR_SESSION_INVALID'));
      const forgedHeader = { headers: { cookie: cookie.replace(cookieValue, forged) } };
      assert.deepEqual(await t.verifier.verifyRequest(forgedHeader), refused('ERR_SESSION_INVALID'));
    }
    assert.deepEqual(t.calls, [cookieValue, ...Array(6).fill(forged)]);
    await t.stop();
  });

  it('answers a Cookie header it knows only when it is that very header, never one that merely contains it', async () => {
    const t = await setup();
    for (const cookie of [
      `${SESSION_COOKIE}=${cookieValue}`,
      `theme=dark; ${SESSION_COOKIE}=${cookieValue}; x=1`,
    ]) {
      // Validated, then kept as the entry's source, then answered by it.
      for (let round = 0; round < 3; round++)
        assert.equal((await t.verifier.verifyRequest({ headers: { cookie } })).ok, true, cookie);
      // The same value where the known header has it, and a second session cookie after it.
      const doubled = `${cookie}; ${SESSION_COOKIE}=${otherCookieValue}`;
      assert.deepEqual(
        await t.verifier.verifyRequest({ headers: { cookie: doubled } }),
        refused('ERR_SESSION_INVALID'),
      );
      const twice = `${cookie}; ${SESSION_COOKIE}=${cookieValue}`;
      assert.deepEqual(
        await t.verifier.verifyRequest({ headers: { cookie: twice } }),
        refused('ERR_SESSION_INVALID'),
      );
      // The known header's value, not as the session cookie's: no credential.
      const renamed = cookie.replace(SESSION_COOKIE, `x${SESSION_COOKIE}`);
      assert.deepEqual(
        await t.verifier.verifyRequest({ headers: { cookie: renamed } }),
        refused('ERR_UNAUTHENTICATED'),
      );
      // The cookie under an Authorization header, or a parsed cookie that differs: not the header's.
      const withAuthorization = { headers: { cookie, authorization: 'Basic eA==' } };
      assert.deepEqual(await t.verifier.verifyRequest(withAuthorization), refused('ERR_UNAUTHENTICATED'));
      const parsed = { headers: { cookie }, cookies: {} };
      assert.deepEqual(await t.verifier.verifyRequest(parsed), refused('ERR_UNAUTHENTICATED'));
    }
    assert.deepEqual(t.calls, [cookieValue]);
    await t.stop();
  });

  it('an unknown session is refused', async () => {
    const t = await setup();
    const unknown = `${'u'.repeat(22)}.${'v'.repeat(43)}`;
    assert.deepEqual(await t.verifier.verifyRequest(t.request(unknown)), refused('ERR_SESSION_INVALID'));
    await t.stop();
  });

  it('fail-closed applies to sessions too while stale', async () => {
    const t = await setup();
    t.clock.advance(5001);
    assert.deepEqual(await t.verifier.verifyRequest(t.request()), {
      ok: false,
      status: 503,
      code: 'ERR_FEED_STALE',
    });
    assert.equal(t.calls.length, 0);
    await t.stop();
  });

  it('asks about a cached session again when the feed can no longer resume its cursor, and keeps verified tokens', async () => {
    // A feed that lost its data (Redis restarted empty) may have lost sessions with it (the Redis
    // store), and no revocation event says so: only the lost cursor does.
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0, logCapacity: 1 });
    const errors: unknown[] = [];
    const { t, store, request, token } = await cachedSessionAndToken({
      clock,
      feed,
      onError: (error) => errors.push(error),
    });
    assert.equal((await t.verifier.verifyRequest(request)).ok, true, 'cached: the store is not asked');
    assert.equal(store.calls.length, 1);

    feed.close();
    // Enough unrelated events to trim the log past the verifier's cursor.
    await feed.publish([
      { type: 'token', jti: 'x', until: clock.now() + 60_000 },
      { type: 'token', jti: 'y', until: clock.now() + 60_000 },
      { type: 'token', jti: 'z', until: clock.now() + 60_000 },
    ]);
    const started = performance.now();
    let answer = await t.verifier.verifyRequest(request);
    while (answer.ok && performance.now() - started < 3000) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      answer = await t.verifier.verifyRequest(request);
    }
    assert.deepEqual(answer, refused('ERR_SESSION_INVALID'));
    assert.equal(store.calls.length, 2, 'asked once more');
    assert.ok(errors.some((error) => error instanceof FeedCursorExpiredError));
    const { cacheHits, cacheMisses } = t.verifier.metrics();
    assert.equal((await t.verifier.verifyToken(token)).ok, true);
    assert.deepEqual(
      [t.verifier.metrics().cacheHits, t.verifier.metrics().cacheMisses],
      [cacheHits + 1, cacheMisses],
      'the token is still answered from the cache',
    );
    await t.stop();
  });

  it('in pull mode, asks about a cached session again when the answer says the feed lost its cursor, and stays stale on an incomplete one', async () => {
    // The auth server's answers to GET /revocations, one per request, as it sends them.
    const answers: unknown[] = [{ events: [], cursor: 'c1' }];
    const asked: string[] = [];
    const fetch: typeof globalThis.fetch = async (input) => {
      asked.push(new URL(String(input)).search);
      return Response.json(answers.shift() ?? { events: [], cursor: 'c9' });
    };
    const clock = createManualClock();
    const { t, store, request, token } = await cachedSessionAndToken({
      clock,
      feed: createPullFeedSource({ baseUrl: 'https://auth.test', fetch }),
      maxStalenessMs: 1000,
    });

    // Something changed (the live set, another cursor): cached sessions stay cached.
    answers.push({ events: [], cursor: 'c2' });
    clock.advance(1001);
    assert.equal((await t.verifier.verifyRequest(request)).ok, true, 'still answered from the cache');
    assert.equal(store.calls.length, 1);

    // The feed can no longer replay from c2: the session is asked about again, and is gone.
    answers.push({ events: [], cursor: 'c3', expired: true });
    clock.advance(1001);
    assert.deepEqual(await t.verifier.verifyRequest(request), refused('ERR_SESSION_INVALID'));
    assert.equal(store.calls.length, 2, 'asked once more');
    const { cacheHits } = t.verifier.metrics();
    assert.equal((await t.verifier.verifyToken(token)).ok, true);
    assert.equal(t.verifier.metrics().cacheHits, cacheHits + 1, 'the token is still answered from the cache');

    // Being seeded again: applied, but not fresh, so requests get the staleness policy until a
    // complete answer, which the next request pulls.
    answers.push(
      { events: [], cursor: 'c4', complete: false },
      { events: [], cursor: 'c4', complete: false },
    );
    clock.advance(1001);
    assert.deepEqual(await t.verifier.verifyToken(token), { ok: false, status: 503, code: 'ERR_FEED_STALE' });
    assert.deepEqual(await t.verifier.verifyToken(token), { ok: false, status: 503, code: 'ERR_FEED_STALE' });
    answers.push({ events: [], cursor: 'c5' });
    assert.equal((await t.verifier.verifyToken(token)).ok, true);
    assert.deepEqual(asked, ['', '?since=c1', '?since=c2', '?since=c3', '?since=c4', '?since=c4']);
    await t.stop();
  });
});
