import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SESSION_COOKIE } from './auth/session-cookie.ts';
import {
  assertClearsSessionCookie,
  assertInvalidToken,
  assertNoCredentials,
  createTestServer,
  getMe,
  login,
  PASSWORD,
  register,
  registerAndLogin,
  sameOriginHeaders,
  sessionSetCookie,
  setCookies,
} from '../testing/index.ts';

describe('session strategy: register, login, me, logout', () => {
  it('registers, logs in, answers /auth/me, logs out, and then refuses the same cookie', async () => {
    const { app } = createTestServer();
    const registered = await register(app, 'Alice@Example.com');
    assert.equal(registered.statusCode, 202);
    assert.deepEqual(registered.json(), { status: 'ok' });

    const session = await login(app, 'alice@example.com');
    const me = await getMe(app, session.cookie);
    assert.equal(me.statusCode, 200);
    const body = me.json();
    assert.deepEqual(body.user, { id: session.userId, email: 'alice@example.com', roles: [] });
    assert.equal(body.session.id, session.sessionId);
    assert.equal(body.session.strategy, 'session');
    assert.match(body.session.createdAt, /^\d{4}-\d\d-\d\dT/);
    assert.match(body.session.expiresAt, /^\d{4}-\d\d-\d\dT/);

    const logout = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: sameOriginHeaders(session),
    });
    assert.equal(logout.statusCode, 204);
    assert.equal(logout.body, '');
    assertClearsSessionCookie(logout);

    const after = await getMe(app, session.cookie);
    assertInvalidToken(after);
    assertClearsSessionCookie(after);
  });

  it('answers a duplicate registration exactly like a new one', async () => {
    const { app } = createTestServer();
    const first = await register(app, 'bob@example.com');
    const second = await register(app, 'bob@example.com', 'another long passphrase');
    assert.equal(second.statusCode, first.statusCode);
    assert.equal(second.body, first.body);
  });

  it('refuses a bad email (400 invalid_request) and a short password (400 invalid_password)', async () => {
    const { app } = createTestServer();
    const badEmail = await register(app, 'not-an-email');
    assert.equal(badEmail.statusCode, 400);
    assert.deepEqual(badEmail.json(), { error: 'invalid_request' });
    const shortPassword = await register(app, 'carol@example.com', 'short');
    assert.equal(shortPassword.statusCode, 400);
    assert.deepEqual(shortPassword.json(), { error: 'invalid_password' });
    const missingPassword = await app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: 'carol@example.com' },
    });
    assert.equal(missingPassword.statusCode, 400);
    assert.deepEqual(missingPassword.json(), { error: 'invalid_password' });
  });

  it('never takes roles from the registration body', async () => {
    const { app, store } = createTestServer();
    const response = await app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { email: 'mallory@example.com', password: PASSWORD, roles: ['admin'] },
    });
    assert.equal(response.statusCode, 202);
    assert.deepEqual((await store.users.getByEmail('mallory@example.com'))?.roles, []);
  });

  it('answers login with user, session and CSRF token, and keeps the session token out of the body', async () => {
    const { app, csrf } = createTestServer();
    await register(app, 'dave@example.com');
    const response = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'dave@example.com', password: PASSWORD, strategy: 'session' },
    });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['csrfToken', 'session', 'user']);
    assert.deepEqual(Object.keys(body.session).sort(), ['expiresAt', 'id']);
    assert.equal(body.csrfToken, csrf.issue(body.session.id));
    const cookie = sessionSetCookie(response)!;
    assert.ok(!response.body.includes(cookie.value), 'the session token is only in the cookie');
    assert.ok(cookie.value.startsWith(`${body.session.id}.`));
  });

  it('sets the session cookie with exactly HttpOnly, Secure, SameSite=Lax, Path=/, Max-Age=12h and no Domain', async () => {
    const { app } = createTestServer();
    await register(app, 'erin@example.com');
    const response = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'erin@example.com', password: PASSWORD },
    });
    const cookies = setCookies(response);
    assert.equal(cookies.length, 1);
    const cookie = cookies[0]!;
    assert.equal(cookie.name, '__Host-gh_session');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(
      new Map([...cookie.attributes].sort()),
      new Map(
        [
          ['httponly', ''],
          ['secure', ''],
          ['samesite', 'Lax'],
          ['path', '/'],
          ['max-age', String(12 * 60 * 60)],
        ].sort() as [string, string][],
      ),
    );
  });

  it('ignores a planted session cookie at login (session fixation)', async () => {
    const { app } = createTestServer();
    await register(app, 'frank@example.com');
    const planted = `${'A'.repeat(22)}.${'B'.repeat(43)}`;
    const response = await app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { cookie: `${SESSION_COOKIE}=${planted}` },
      payload: { email: 'frank@example.com', password: PASSWORD },
    });
    assert.equal(response.statusCode, 200);
    const issued = sessionSetCookie(response)!;
    assert.notEqual(issued.value, planted);
    assertInvalidToken(await getMe(app, `${SESSION_COOKIE}=${planted}`));
    assert.equal((await getMe(app, `${SESSION_COOKIE}=${issued.value}`)).statusCode, 200);
  });

  it('gives a fresh session id even when the presented cookie is a live session of the same user', async () => {
    const { app } = createTestServer();
    const first = await registerAndLogin(app, 'gina@example.com');
    const second = await login(app, 'gina@example.com', PASSWORD, { cookie: first.cookie });
    assert.notEqual(second.sessionId, first.sessionId);
    assert.notEqual(second.token, first.token);
  });

  it('answers 401 invalid_token without credentials, and does not set a cookie then', async () => {
    const { app } = createTestServer();
    const response = await app.inject({ method: 'GET', url: '/auth/me' });
    assertNoCredentials(response);
    assert.equal(response.headers['set-cookie'], undefined);
  });

  it('hands out the same CSRF token from GET /auth/csrf as from login', async () => {
    const { app } = createTestServer();
    const session = await registerAndLogin(app, 'hank@example.com');
    const response = await app.inject({
      method: 'GET',
      url: '/auth/csrf',
      headers: { cookie: session.cookie },
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { csrfToken: session.csrfToken });
    assertNoCredentials(await app.inject({ method: 'GET', url: '/auth/csrf' }));
  });

  it('refuses an unknown strategy (400 invalid_request) without creating a session', async () => {
    const { app, store, clock } = createTestServer();
    const session = await registerAndLogin(app, 'ivy@example.com');
    for (const strategy of ['jwt', 'Session', 42, null]) {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'ivy@example.com', password: PASSWORD, strategy },
      });
      assert.equal(response.statusCode, 400);
      assert.deepEqual(response.json(), { error: 'invalid_request' });
      assert.equal(response.headers['set-cookie'], undefined);
    }
    assert.equal((await store.sessions.listForUser(session.userId, clock.now())).length, 1);
  });

  it('sends no-store, nosniff and no-referrer on /auth responses, errors included', async () => {
    const { app } = createTestServer();
    const session = await registerAndLogin(app, 'jack@example.com');
    const responses = [
      await getMe(app, session.cookie),
      await app.inject({ method: 'GET', url: '/auth/me' }),
      await app.inject({ method: 'POST', url: '/auth/login', payload: { email: 'x' } }),
      await app.inject({ method: 'GET', url: '/auth/nothing-here' }),
    ];
    for (const response of responses) {
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['referrer-policy'], 'no-referrer');
    }
  });
});

describe('session strategy: managing sessions', () => {
  it('lists my live sessions with current:true exactly once and no secret or token', async () => {
    const { app } = createTestServer();
    const first = await registerAndLogin(app, 'kate@example.com');
    const second = await login(app, 'kate@example.com', PASSWORD, { 'user-agent': 'Phone/1.0' });
    const response = await app.inject({
      method: 'GET',
      url: '/auth/sessions',
      headers: { cookie: second.cookie },
    });
    assert.equal(response.statusCode, 200);
    const { sessions } = response.json();
    assert.equal(sessions.length, 2);
    assert.deepEqual(
      sessions.filter((each: { current: boolean }) => each.current).map((each: { id: string }) => each.id),
      [second.sessionId],
    );
    for (const each of sessions) {
      assert.deepEqual(Object.keys(each).sort(), [
        'createdAt',
        'current',
        'expiresAt',
        'id',
        'ip',
        'lastSeenAt',
        'strategy',
        'userAgent',
      ]);
    }
    assert.equal(
      sessions.find((each: { id: string }) => each.id === second.sessionId).userAgent,
      'Phone/1.0',
    );
    assert.ok(!response.body.includes('secretHash'));
    for (const token of [first.token, second.token]) {
      assert.ok(!response.body.includes(token.split('.')[1]!), 'no token secret in the list');
    }
  });

  it("answers 404 for someone else's session id and leaves that session working", async () => {
    const { app } = createTestServer();
    const alice = await registerAndLogin(app, 'alice@example.com');
    const bob = await registerAndLogin(app, 'bob@example.com');
    const response = await app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${bob.sessionId}`,
      headers: sameOriginHeaders(alice),
    });
    assert.equal(response.statusCode, 404);
    assert.deepEqual(response.json(), { error: 'not_found' });
    assert.equal((await getMe(app, bob.cookie)).statusCode, 200);

    const unknown = await app.inject({
      method: 'DELETE',
      url: '/auth/sessions/no-such-session',
      headers: sameOriginHeaders(alice),
    });
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(unknown.json(), { error: 'not_found' });
  });

  it('revokes another of my sessions, and clears the cookie when I revoke the current one', async () => {
    const { app } = createTestServer();
    const laptop = await registerAndLogin(app, 'liam@example.com');
    const phone = await login(app, 'liam@example.com');
    const other = await app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${phone.sessionId}`,
      headers: sameOriginHeaders(laptop),
    });
    assert.equal(other.statusCode, 204);
    assert.equal(sessionSetCookie(other), undefined);
    assertInvalidToken(await getMe(app, phone.cookie));
    assert.equal((await getMe(app, laptop.cookie)).statusCode, 200);

    const current = await app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${laptop.sessionId}`,
      headers: sameOriginHeaders(laptop),
    });
    assert.equal(current.statusCode, 204);
    assertClearsSessionCookie(current);
    assertInvalidToken(await getMe(app, laptop.cookie));
  });

  it("logout-all ends every session of mine and nobody else's", async () => {
    const { app } = createTestServer();
    const laptop = await registerAndLogin(app, 'mia@example.com');
    const phone = await login(app, 'mia@example.com');
    const stranger = await registerAndLogin(app, 'noah@example.com');
    const response = await app.inject({
      method: 'POST',
      url: '/auth/logout-all',
      headers: sameOriginHeaders(laptop),
    });
    assert.equal(response.statusCode, 204);
    assertClearsSessionCookie(response);
    assertInvalidToken(await getMe(app, laptop.cookie));
    assertInvalidToken(await getMe(app, phone.cookie));
    assert.equal((await getMe(app, stranger.cookie)).statusCode, 200);
  });
});

describe('request context', () => {
  async function recordedIp(trustProxy: false | string[]) {
    const { app, store, clock } = createTestServer({ trustProxy });
    const session = await registerAndLogin(app, 'ip@example.com');
    clock.advance(1000); // so "newest first" is unambiguous
    await login(app, 'ip@example.com', PASSWORD, {
      'x-forwarded-for': '203.0.113.9',
      'user-agent': 'Agent/2',
    });
    const [newest] = await store.sessions.listForUser(session.userId, clock.now());
    const audit = await store.audit.query({ type: 'login.success', limit: 1 });
    return { session: newest?.ip, audit: audit[0]?.ip, userAgent: audit[0]?.userAgent };
  }

  it('records the peer address, ignoring X-Forwarded-For unless the proxy is trusted', async () => {
    assert.deepEqual(await recordedIp(false), {
      session: '127.0.0.1',
      audit: '127.0.0.1',
      userAgent: 'Agent/2',
    });
    assert.deepEqual(await recordedIp(['127.0.0.1']), {
      session: '203.0.113.9',
      audit: '203.0.113.9',
      userAgent: 'Agent/2',
    });
  });
});

describe('health', () => {
  it('answers /healthz and /readyz, and 503 when the store does not answer', async () => {
    const healthy = createTestServer();
    assert.deepEqual((await healthy.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
    const ready = await healthy.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);

    const broken = createTestServer({
      wrapStore: (store) => ({
        ...store,
        ping: async () => {
          throw new Error('connection refused');
        },
      }),
    });
    const notReady = await broken.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(notReady.statusCode, 503);
    assert.deepEqual(notReady.json(), { status: 'unavailable' });
    assert.equal((await broken.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  });
});
