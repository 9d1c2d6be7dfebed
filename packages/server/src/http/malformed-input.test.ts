import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { SESSION_COOKIE } from './auth/session-cookie.ts';
import {
  assertClearsSessionCookie,
  assertInvalidToken,
  createTestServer,
  getMe,
  ORIGIN,
  PASSWORD,
  registerAndLogin,
  sameOriginHeaders,
} from '../testing/index.ts';

const json = { 'content-type': 'application/json' };

describe('malformed bodies', () => {
  it('refuses a 17 KiB body with 413 payload_too_large, also on an authenticated route, changing nothing', async () => {
    const { app, store, clock } = createTestServer();
    const session = await registerAndLogin(app, 'big@example.com');
    const payload = JSON.stringify({
      email: 'big@example.com',
      password: PASSWORD,
      pad: 'x'.repeat(17 * 1024),
    });
    const loginResponse = await app.inject({ method: 'POST', url: '/auth/login', headers: json, payload });
    assert.equal(loginResponse.statusCode, 413);
    assert.deepEqual(loginResponse.json(), { error: 'payload_too_large' });
    const logout = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { ...sameOriginHeaders(session), ...json },
      payload,
    });
    assert.equal(logout.statusCode, 413);
    assert.deepEqual(logout.json(), { error: 'payload_too_large' });
    // Refused before the handler: the session survives, and the refused login started none.
    assert.equal(
      (await getMe(app, session.cookie)).statusCode,
      200,
      'the session survives the refused logout',
    );
    assert.deepEqual(
      (await store.sessions.listForUser(session.userId, clock.now())).map((each) => each.id),
      [session.sessionId],
      'no session created or revoked',
    );
  });

  it('refuses malformed JSON with 400 invalid_request', async () => {
    const { app } = createTestServer();
    for (const payload of ['{', '{"email":', "{'email':'a'}", '{"email":"a"}}', '\u0000']) {
      const response = await app.inject({ method: 'POST', url: '/auth/login', headers: json, payload });
      assert.equal(response.statusCode, 400, payload);
      assert.deepEqual(response.json(), { error: 'invalid_request' });
    }
  });

  it('refuses JSON that is not an object, and a missing body, with 400 invalid_request', async () => {
    const { app } = createTestServer();
    for (const url of ['/auth/login', '/auth/register']) {
      for (const payload of ['[]', 'null', '"text"', '42', 'true', '']) {
        const response = await app.inject({ method: 'POST', url, headers: json, payload });
        assert.equal(response.statusCode, 400, `${url} ${payload}`);
        assert.deepEqual(response.json(), { error: 'invalid_request' });
      }
      const noBody = await app.inject({ method: 'POST', url });
      assert.equal(noBody.statusCode, 400);
      assert.deepEqual(noBody.json(), { error: 'invalid_request' });
    }
  });

  it('refuses prototype-poisoning keys with 400 invalid_request', async () => {
    const { app } = createTestServer();
    for (const payload of [
      '{"__proto__":{"roles":["admin"]},"email":"a@example.com","password":"a long enough passphrase"}',
      '{"constructor":{"prototype":{"roles":["admin"]}}}',
    ]) {
      const response = await app.inject({ method: 'POST', url: '/auth/register', headers: json, payload });
      assert.equal(response.statusCode, 400);
      assert.deepEqual(response.json(), { error: 'invalid_request' });
    }
  });

  it('refuses non-JSON media types with 415, and accepts a charset parameter', async () => {
    const { app } = createTestServer();
    const payload = JSON.stringify({ email: 'nobody@example.com', password: PASSWORD });
    for (const contentType of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
      'application/xml',
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': contentType },
        payload,
      });
      assert.equal(response.statusCode, 415, contentType);
      assert.deepEqual(response.json(), { error: 'unsupported_media_type' });
    }
    const withoutType = await app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-length': String(payload.length) },
      payload: Buffer.from(payload),
    });
    assert.equal(withoutType.statusCode, 415);
    assert.deepEqual(withoutType.json(), { error: 'unsupported_media_type' });

    const charset = await app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload,
    });
    assert.equal(charset.statusCode, 401, 'parsed and answered, not refused for its media type');
  });

  it('answers a garbage Content-Type with a 4xx', async () => {
    const { app } = createTestServer();
    for (const contentType of ['', ';', 'application/json;;;=', '\\', 'a'.repeat(2000)]) {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': contentType },
        payload: '{}',
      });
      assert.ok(
        response.statusCode >= 400 && response.statusCode < 500,
        `${contentType}: ${response.statusCode}`,
      );
    }
  });
});

describe('malformed cookies and URLs', () => {
  const garbage: { name: string; cookie: () => string }[] = [
    {
      name: 'random bytes',
      cookie: () =>
        `${SESSION_COOKIE}=${randomBytes(48)
          .toString('latin1')
          .replace(/[^\x21-\x7e]/g, 'x')}`,
    },
    { name: 'bad percent-encoding', cookie: () => `${SESSION_COOKIE}=%E0%A4%A%ZZ` },
    { name: 'empty value', cookie: () => `${SESSION_COOKIE}=` },
    { name: 'a 10 KB value', cookie: () => `${SESSION_COOKIE}=${'a'.repeat(10_000)}` },
    {
      name: 'many cookies',
      cookie: () =>
        [...Array(300).keys()].map((index) => `c${index}=${index}`).join('; ') + `; ${SESSION_COOKIE}=x`,
    },
    {
      name: 'right shape, unknown session',
      cookie: () => `${SESSION_COOKIE}=${'A'.repeat(22)}.${'B'.repeat(43)}`,
    },
    { name: 'no pairs at all', cookie: () => ';;;===;; ;' },
  ];

  for (const each of garbage) {
    it(`answers ${each.name} without a 5xx`, async () => {
      const { app } = createTestServer();
      const cookie = each.cookie();
      for (const request of [
        { method: 'GET' as const, url: '/auth/me' },
        { method: 'GET' as const, url: '/auth/sessions' },
        { method: 'POST' as const, url: '/auth/logout' },
      ]) {
        // Same-origin, so the POST gets past the origin check to the cookie itself.
        const response = await app.inject({ ...request, headers: { cookie, origin: ORIGIN } });
        assert.equal(response.statusCode, 401, `${request.method} ${request.url}`);
        assert.deepEqual(response.json(), { error: 'invalid_token' });
      }
      const loginResponse = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { cookie },
        payload: { email: 'nobody@example.com', password: PASSWORD },
      });
      assert.equal(loginResponse.statusCode, 401);
    });
  }

  it('clears a presented cookie that is not a live session', async () => {
    const { app } = createTestServer();
    const session = await registerAndLogin(app, 'real@example.com');
    const [id] = session.token.split('.');
    const forged = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { cookie: `${SESSION_COOKIE}=${id}.${'B'.repeat(43)}` },
    });
    assertInvalidToken(forged);
    assertClearsSessionCookie(forged);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: session.cookie } })).statusCode,
      200,
    );
  });

  it('answers malformed URLs and unknown routes with a 4xx and a generic body', async () => {
    const { app } = createTestServer();
    const session = await registerAndLogin(app, 'url@example.com');
    const badUrl = await app.inject({ method: 'GET', url: '/auth/%E0%A4%A' });
    assert.equal(badUrl.statusCode, 400);
    assert.deepEqual(badUrl.json(), { error: 'invalid_request' });
    assert.equal(badUrl.headers['cache-control'], 'no-store');
    assert.equal(badUrl.headers['x-content-type-options'], 'nosniff');
    const longId = await app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${'x'.repeat(5000)}`,
      headers: sameOriginHeaders(session),
    });
    assert.ok(longId.statusCode >= 400 && longId.statusCode < 500, String(longId.statusCode));
    const unknown = await app.inject({ method: 'GET', url: '/no/such/route' });
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(unknown.json(), { error: 'not_found' });
  });
});

describe('unexpected errors', () => {
  it('answers 500 server_error with no message or stack', async () => {
    const exploded = async () => {
      throw new Error('database exploded at /var/lib/secret-path');
    };
    const { app } = createTestServer({
      wrapStore: (store) => ({
        ...store,
        sessions: { ...store.sessions, get: exploded, getWithUser: exploded },
      }),
    });
    const response = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { cookie: `${SESSION_COOKIE}=${'A'.repeat(22)}.${'B'.repeat(43)}` },
    });
    assert.equal(response.statusCode, 500);
    assert.equal(response.body, '{"error":"server_error"}');
    assert.equal(response.headers['cache-control'], 'no-store');
  });
});
