// Pull mode, for verifiers on runtimes that cannot hold a connection (Lambda, Workers): the server's
// GET /revocations?since=CURSOR, and the SDK verifier reading it, against a real server.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createManualClock } from '@gatehouse/core/testing';
import { createPullFeedSource, createVerifier } from '@gatehouse/verify';
import { loadConfig } from '../config.ts';
import { type RunningServer, startServer } from '../server.ts';
import { createTestServer, PASSWORD, registerAndLogin, sameOriginHeaders } from '../testing/index.ts';

describe('GET /revocations?since=CURSOR', () => {
  it('answers nothing when the cursor is the head, what changed when it is behind, and the live set when the feed cannot tell', async () => {
    const t = createTestServer();
    const logOut = async (email: string) => {
      const session = await registerAndLogin(t.app, email);
      const logout = await t.app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: sameOriginHeaders(session),
      });
      assert.equal(logout.statusCode, 204);
      return session.sessionId;
    };
    const pull = async (since: string) => {
      const response = await t.app.inject({ method: 'GET', url: `/revocations?since=${since}` });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['cache-control'], 'no-store');
      return response.json();
    };
    const first = await logOut('pull-1@example.com');
    const head = (await t.app.inject({ method: 'GET', url: '/revocations' })).json();
    assert.equal(head.events.length, 1);
    assert.deepEqual(await pull(head.cursor), { events: [], cursor: head.cursor });

    // Behind: the events after the cursor, as a stream from there would deliver them, not the
    // whole live set (which a verifier 5 s behind would otherwise fetch on every pull).
    const second = await logOut('pull-2@example.com');
    const third = await logOut('pull-3@example.com');
    const behind = await pull(head.cursor);
    assert.deepEqual(
      behind.events.map((event: { sid: string }) => event.sid),
      [second, third],
    );
    assert.notEqual(behind.cursor, head.cursor);
    assert.equal(behind.expired, undefined, 'the feed still holds what came after the cursor');
    assert.deepEqual(await pull(behind.cursor), { events: [], cursor: behind.cursor });

    // A cursor the feed cannot replay from (another feed's: before a restart): the live set, and
    // that the feed lost what came after the cursor, so the verifier forgets its cached sessions.
    const elsewhere = await pull('someoneelse.5');
    assert.equal(elsewhere.expired, true);
    assert.equal(elsewhere.cursor, behind.cursor);
    assert.deepEqual(
      elsewhere.events.map((event: { sid: string }) => event.sid).sort(),
      [first, second, third].sort(),
    );
  });

  it('refuses a malformed cursor with 400', async () => {
    const t = createTestServer();
    for (const since of ['', 'a b', 'x'.repeat(129), '%00']) {
      const refused = await t.app.inject({ method: 'GET', url: `/revocations?since=${since}` });
      assert.equal(refused.statusCode, 400, JSON.stringify(since));
      assert.deepEqual(refused.json(), { error: 'invalid_request' });
    }
  });
});

describe('SDK verifier in pull mode against a real server (no held connection)', () => {
  let dataDir: string;
  let server: RunningServer;
  /** Every request the verifier sent, by path and query. */
  const requests: string[] = [];
  let failNext = 0;
  const countingFetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    requests.push(`${url.pathname}${url.search}`);
    if (failNext > 0 && url.pathname === '/revocations') {
      failNext--;
      return new Response('{"error":"nope"}', { status: 500 });
    }
    return fetch(input, init);
  };
  const pulls = () => requests.filter((path) => path.startsWith('/revocations'));

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-pull-'));
    server = await startServer(loadConfig({}, ['--data-dir', dataDir, '--port', '0']), {
      logger: false,
      print: () => {},
    });
  });
  after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('takes the snapshot on a cold start, pulls once for concurrent requests when stale, and refuses a logout within maxStalenessMs', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal(
      (await post('/auth/register', { email: 'lambda@example.com', password: PASSWORD })).status,
      202,
    );
    const login = await (
      await post('/auth/login', { email: 'lambda@example.com', password: PASSWORD, strategy: 'token' })
    ).json();

    const clock = createManualClock(Date.now());
    const verifier = createVerifier({
      issuer: 'http://localhost:3000',
      audience: 'gatehouse',
      algorithms: ['ES256'],
      jwksUrl: `${server.url}/.well-known/jwks.json`,
      fetch: countingFetch,
      feed: createPullFeedSource({ baseUrl: server.url, fetch: countingFetch }),
      maxStalenessMs: 5000,
      clock,
    });
    await verifier.start();
    assert.deepEqual(pulls(), ['/revocations'], 'a cold start takes the snapshot, nothing else');
    assert.ok(!requests.some((path) => path.includes('/stream')), 'no stream is ever opened');

    // A fresh view: requests cost no I/O at all.
    for (let i = 0; i < 10; i++) assert.equal((await verifier.verifyToken(login.accessToken)).ok, true);
    assert.equal(pulls().length, 1);

    // Stale: twenty concurrent requests share one pull, sent with the cursor, and all are answered.
    clock.advance(5001);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => verifier.verifyToken(login.accessToken)),
    );
    assert.ok(results.every((result) => result.ok));
    assert.equal(pulls().length, 2);
    assert.match(pulls()[1]!, /^\/revocations\?since=[A-Za-z0-9._-]+$/);

    // A logout: seen at the next pull, at most maxStalenessMs later, before any request is answered.
    const logout = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${login.accessToken}` },
    });
    assert.equal(logout.status, 204);
    assert.equal(
      (await verifier.verifyToken(login.accessToken)).ok,
      true,
      'still within the staleness bound',
    );
    clock.advance(5001);
    assert.deepEqual(await verifier.verifyToken(login.accessToken), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_REVOKED',
    });
    assert.equal(pulls().length, 3);

    // A failed pull leaves the view stale: fail closed, then the next request pulls again and recovers.
    const other = await (
      await post('/auth/login', { email: 'lambda@example.com', password: PASSWORD, strategy: 'token' })
    ).json();
    clock.advance(5001);
    failNext = 1;
    assert.deepEqual(await verifier.verifyToken(other.accessToken), {
      ok: false,
      status: 503,
      code: 'ERR_FEED_STALE',
    });
    assert.equal((await verifier.verifyToken(other.accessToken)).ok, true);
    assert.equal(pulls().length, 5);
    assert.equal(verifier.metrics().stale, false);
    await verifier.stop();
  });
});
