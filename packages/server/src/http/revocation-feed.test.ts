import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createVerifier, type Principal, SESSION_COOKIE } from '@gatehouse/verify';
import { createSseFeedSource } from '@gatehouse/core';
import { loadConfig } from '../config.ts';
import { startServer, type RunningServer } from '../server.ts';
import {
  bearer,
  createTestServer,
  PASSWORD,
  registerAndLogin,
  registerAndLoginWithTokens,
  sameOriginHeaders,
} from '../testing/index.ts';

const SERVICE_TOKEN = 's'.repeat(40);

describe('GET /revocations (snapshot)', () => {
  it('lists the revocation of a logged-out session with a cursor', async () => {
    const t = createTestServer();
    const session = await registerAndLogin(t.app, 'alice@example.com');
    const before = await t.app.inject({ method: 'GET', url: '/revocations' });
    assert.equal(before.statusCode, 200);
    assert.deepEqual(before.json().events, []);
    const logout = await t.app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: sameOriginHeaders(session),
    });
    assert.equal(logout.statusCode, 204);
    const snapshot = (await t.app.inject({ method: 'GET', url: '/revocations' })).json();
    assert.equal(snapshot.events.length, 1);
    assert.equal(snapshot.events[0].type, 'session');
    assert.equal(snapshot.events[0].sid, session.sessionId);
    assert.equal(typeof snapshot.cursor, 'string');
    assert.notEqual(snapshot.cursor, before.json().cursor);
  });

  it('is private once a service token is configured', async () => {
    const t = createTestServer({ serviceToken: SERVICE_TOKEN });
    // RFC 6750 §3.1: the bare challenge unless a Bearer credential was sent, as on every route.
    for (const [headers, challenge] of [
      [{}, 'Bearer'],
      [{ authorization: `Bearer ${'x'.repeat(40)}` }, 'Bearer error="invalid_token"'],
      [{ authorization: `Basic ${SERVICE_TOKEN}` }, 'Bearer'],
    ] as const) {
      const refused = await t.app.inject({ method: 'GET', url: '/revocations', headers });
      assert.equal(refused.statusCode, 401);
      assert.deepEqual(refused.json(), { error: 'invalid_token' });
      assert.equal(refused.headers['www-authenticate'], challenge);
    }
    const ok = await t.app.inject({
      method: 'GET',
      url: '/revocations',
      headers: { authorization: `Bearer ${SERVICE_TOKEN}` },
    });
    assert.equal(ok.statusCode, 200);
  });

  it('refuses a malformed cursor on the stream', async () => {
    const t = createTestServer();
    const response = await t.app.inject({ method: 'GET', url: '/revocations/stream?since=%0d%0aevil' });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json(), { error: 'invalid_request' });
  });

  it('answers 410 for a cursor of another feed instance', async () => {
    const t = createTestServer();
    const response = await t.app.inject({ method: 'GET', url: '/revocations/stream?since=someoneelse.5' });
    assert.equal(response.statusCode, 410);
    assert.deepEqual(response.json(), { error: 'cursor_expired' });
  });
});

describe('POST /oauth/introspect', () => {
  const call = (
    t: ReturnType<typeof createTestServer>,
    token: unknown,
    authorization = `Bearer ${SERVICE_TOKEN}`,
  ) =>
    t.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { authorization },
      payload: { token },
    });

  it('describes a live access token and a live session cookie', async () => {
    const t = createTestServer({ serviceToken: SERVICE_TOKEN });
    const tokens = await registerAndLoginWithTokens(t.app, 'bob@example.com', 'token');
    const access = (await call(t, tokens.accessToken)).json();
    assert.equal(access.active, true);
    assert.equal(access.token_type, 'access_token');
    assert.equal(access.sid, tokens.sessionId);
    assert.equal(access.sub, tokens.userId);
    const session = await registerAndLogin(t.app, 'carol@example.com');
    const cookie = (await call(t, session.token)).json();
    assert.equal(cookie.active, true);
    assert.equal(cookie.token_type, 'session');
    assert.equal(cookie.sid, session.sessionId);
  });

  it('says inactive for revoked, refresh and garbage tokens, never more', async () => {
    const t = createTestServer({ serviceToken: SERVICE_TOKEN });
    const tokens = await registerAndLoginWithTokens(t.app, 'dave@example.com', 'token');
    assert.equal(
      (await t.app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(tokens.accessToken) }))
        .statusCode,
      204,
    );
    for (const token of [tokens.accessToken, tokens.refreshToken, 'garbage', 'a.b.c']) {
      const response = await call(t, token);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { active: false });
    }
  });

  it('needs the service token, and is off without one', async () => {
    const off = createTestServer();
    const offResponse = await call(off, 'anything');
    assert.equal(offResponse.statusCode, 401);
    assert.equal(offResponse.headers['www-authenticate'], 'Bearer error="invalid_token"');
    // Another scheme is no Bearer credential: the bare challenge (RFC 6750 §3.1), as on every route.
    const offBasic = await call(off, 'anything', 'Basic eA==');
    assert.deepEqual([offBasic.statusCode, offBasic.json()], [401, { error: 'invalid_token' }]);
    assert.equal(offBasic.headers['www-authenticate'], 'Bearer');
    const t = createTestServer({ serviceToken: SERVICE_TOKEN });
    const tokens = await registerAndLoginWithTokens(t.app, 'erin@example.com', 'token');
    for (const authorization of ['', `Bearer ${tokens.accessToken}`, `Bearer ${SERVICE_TOKEN}x`]) {
      const response = await call(t, tokens.accessToken, authorization);
      assert.equal(response.statusCode, 401);
      assert.deepEqual(response.json(), { error: 'invalid_token' });
    }
    const bad = await call(t, 42);
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json(), { error: 'invalid_request' });
  });
});

describe('SDK verifier following a real server over SSE', () => {
  let dataDir: string;
  let server: RunningServer;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-feed-'));
    server = await startServer(loadConfig({}, ['--data-dir', dataDir, '--port', '0']), {
      logger: false,
      print: () => {},
    });
  });
  after(async () => {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses a still-unexpired access token right after logout', async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    assert.equal(
      (await post('/auth/register', { email: 'frank@example.com', password: PASSWORD })).status,
      202,
    );
    const login = await (
      await post('/auth/login', { email: 'frank@example.com', password: PASSWORD, strategy: 'token' })
    ).json();

    const verifier = createVerifier({
      issuer: 'http://localhost:3000',
      audience: 'gatehouse',
      algorithms: ['ES256'],
      jwksUrl: `${server.url}/.well-known/jwks.json`,
      feed: createSseFeedSource({ baseUrl: server.url }),
    });
    await verifier.start();
    try {
      const accepted = await verifier.verifyToken(login.accessToken);
      assert.equal(accepted.ok, true);
      assert.equal((await verifier.verifyToken(login.accessToken)).ok, true, 'second sight, from the cache');

      const revokedAt = performance.now();
      const logout = await fetch(`${server.url}/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${login.accessToken}` },
      });
      assert.equal(logout.status, 204);
      let result = await verifier.verifyToken(login.accessToken);
      while (result.ok && performance.now() - revokedAt < 5000) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        result = await verifier.verifyToken(login.accessToken);
      }
      assert.deepEqual(result, { ok: false, status: 401, code: 'ERR_TOKEN_REVOKED' });
      // Once refused, never accepted again.
      for (let i = 0; i < 20; i++) assert.equal((await verifier.verifyToken(login.accessToken)).ok, false);
    } finally {
      verifier.stop();
    }
  });

  it('refuses a session cookie right after its revocation, though its store replica still says live', async () => {
    const email = 'grace@example.com';
    const json = { 'content-type': 'application/json' };
    const registered = await fetch(`${server.url}/auth/register`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    assert.equal(registered.status, 202);
    const loggedIn = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    assert.equal(loggedIn.status, 200);
    const { csrfToken } = (await loggedIn.json()) as { csrfToken: string };
    const cookie = loggedIn.headers.getSetCookie()[0]!.split(';')[0]!;

    // A replica that lags: it answers what the server said the first time, for ever. Only the
    // feed can tell the verifier that the session is gone.
    let replica: Principal | null = null;
    let lookups = 0;
    const verifier = createVerifier({
      issuer: 'http://localhost:3000',
      audience: 'gatehouse',
      algorithms: ['ES256'],
      jwksUrl: `${server.url}/.well-known/jwks.json`,
      feed: createSseFeedSource({ baseUrl: server.url }),
      async validateSession(value) {
        lookups++;
        if (replica) return replica;
        const me = await fetch(`${server.url}/auth/me`, {
          headers: { cookie: `${SESSION_COOKIE}=${value}` },
        });
        if (me.status !== 200) return null;
        const body = (await me.json()) as {
          user: { id: string; roles: string[] };
          session: { id: string; expiresAt: string };
        };
        replica = {
          sub: body.user.id,
          sid: body.session.id,
          roles: body.user.roles,
          strategy: 'session',
          exp: Math.floor(Date.parse(body.session.expiresAt) / 1000),
        };
        return replica;
      },
    });
    await verifier.start();
    const request = { headers: { cookie } };
    try {
      assert.equal((await verifier.verifyRequest(request)).ok, true);
      assert.equal((await verifier.verifyRequest(request)).ok, true, 'second sight, from the cache');
      assert.equal(verifier.metrics().cacheHits, 1);

      const revokedAt = performance.now();
      const logout = await fetch(`${server.url}/auth/logout`, {
        method: 'POST',
        headers: {
          cookie,
          'x-csrf-token': csrfToken,
          origin: 'http://localhost:3000',
          'sec-fetch-site': 'same-origin',
        },
      });
      assert.equal(logout.status, 204);
      let result = await verifier.verifyRequest(request);
      while (result.ok && performance.now() - revokedAt < 5000) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        result = await verifier.verifyRequest(request);
      }
      assert.deepEqual(result, { ok: false, status: 401, code: 'ERR_SESSION_INVALID' });
      // Once refused, never accepted again, though the replica still vouches for it.
      for (let i = 0; i < 20; i++) assert.equal((await verifier.verifyRequest(request)).ok, false);
      assert.ok(lookups >= 2, 'the refusals asked the replica, which still said live');
    } finally {
      verifier.stop();
    }
  });
});
