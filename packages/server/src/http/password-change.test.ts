import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { SESSION_COOKIE } from './auth/session-cookie.ts';
import {
  assertCsrfRefused,
  assertInvalidGrant,
  assertInvalidToken,
  assertNoCredentials,
  bearer,
  createTestServer,
  login,
  loginWithTokens,
  PASSWORD,
  refreshSetCookie,
  refreshWithBody,
  refreshWithCookie,
  register,
  sameOriginHeaders,
  sessionSetCookie,
  type LoggedIn,
  type TokenLogin,
} from '../testing/index.ts';

const NEW_PASSWORD = 'an entirely new passphrase';

function changePassword(
  app: FastifyInstance,
  headers: Record<string, string>,
  payload: Record<string, unknown> = { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
) {
  return app.inject({ method: 'POST', url: '/auth/password/change', headers, payload });
}

/** One login of each strategy for the same user. */
async function signInEverywhere(app: FastifyInstance, email: string) {
  await register(app, email);
  return {
    cookie: await login(app, email),
    hybrid: await loginWithTokens(app, email, 'hybrid'),
    token: await loginWithTokens(app, email, 'token'),
  };
}

async function assertSignedOut(
  app: FastifyInstance,
  sessions: { cookie?: LoggedIn; hybrid?: TokenLogin; token?: TokenLogin },
) {
  if (sessions.cookie) {
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: sessions.cookie.cookie } }),
    );
  }
  if (sessions.hybrid) {
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(sessions.hybrid.accessToken) }),
    );
    assertInvalidGrant(await refreshWithCookie(app, sessions.hybrid.refreshToken, sessions.hybrid.csrfToken));
  }
  if (sessions.token) {
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(sessions.token.accessToken) }),
    );
    assertInvalidGrant(await refreshWithBody(app, sessions.token.refreshToken));
  }
}

async function loginStatus(
  app: FastifyInstance,
  email: string,
  password: string,
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/auth/login', payload: { email, password } });
}

describe('POST /auth/password/change', () => {
  it('session strategy: 204 with a new session cookie; every other session and the old cookie are dead', async () => {
    const { app, store } = createTestServer();
    const all = await signInEverywhere(app, 'sess@example.com');
    const before = await store.users.getById(all.cookie.userId);
    const response = await changePassword(app, sameOriginHeaders(all.cookie));
    assert.equal(response.statusCode, 204);
    assert.equal(response.body, '');
    assert.equal(response.headers['cache-control'], 'no-store');
    const cookie = sessionSetCookie(response)!;
    assert.notEqual(cookie.value, all.cookie.token);
    assert.equal(cookie.attributes.get('samesite'), 'Lax');

    await assertSignedOut(app, all);
    const me = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { cookie: `${SESSION_COOKIE}=${cookie.value}` },
    });
    assert.equal(me.statusCode, 200);
    assert.notEqual(me.json().session.id, all.cookie.sessionId);
    assert.equal(me.json().session.strategy, 'session');

    const after = await store.users.getById(all.cookie.userId);
    assert.ok(after!.passwordChangedAt >= before!.passwordChangedAt);
    assert.notEqual(after!.passwordHash, before!.passwordHash);
    assert.equal((await loginStatus(app, 'sess@example.com', PASSWORD)).statusCode, 401);
    assert.equal((await loginStatus(app, 'sess@example.com', NEW_PASSWORD)).statusCode, 200);
  });

  it('hybrid: 200 {accessToken, expiresIn, csrfToken} with a new refresh cookie; the old credentials are dead', async () => {
    const { app, csrf } = createTestServer();
    const all = await signInEverywhere(app, 'hy@example.com');
    const response = await changePassword(app, bearer(all.hybrid.accessToken));
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['accessToken', 'csrfToken', 'expiresIn']);
    const cookie = refreshSetCookie(response)!;
    assert.deepEqual(Object.fromEntries(cookie.attributes), {
      'max-age': String(12 * 60 * 60),
      path: '/auth/refresh',
      httponly: '',
      secure: '',
      samesite: 'Strict',
    });

    await assertSignedOut(app, all);
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(body.accessToken) });
    assert.equal(me.statusCode, 200);
    const sessionId = me.json().session.id;
    assert.notEqual(sessionId, all.hybrid.sessionId);
    assert.equal(body.csrfToken, csrf.issue(sessionId));
    assert.equal((await refreshWithCookie(app, cookie.value, body.csrfToken)).statusCode, 200);
  });

  it('token: 200 {accessToken, refreshToken, expiresIn} and no cookie; the old credentials are dead', async () => {
    const { app } = createTestServer();
    const all = await signInEverywhere(app, 'tk@example.com');
    const response = await changePassword(app, bearer(all.token.accessToken));
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['set-cookie'], undefined);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['accessToken', 'expiresIn', 'refreshToken']);
    await assertSignedOut(app, all);
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(body.accessToken) });
    assert.equal(me.json().session.strategy, 'token');
    assert.equal((await refreshWithBody(app, body.refreshToken)).statusCode, 200);
  });

  it('refuses a wrong current password with the login failure’s 401 invalid_credentials, changing nothing', async () => {
    const { app } = createTestServer();
    const all = await signInEverywhere(app, 'wrong@example.com');
    const loginFailure = await loginStatus(app, 'wrong@example.com', 'not the right passphrase');
    for (const currentPassword of ['not the right passphrase', '', 42, undefined, 'x'.repeat(200)]) {
      const response = await changePassword(app, bearer(all.token.accessToken), {
        currentPassword,
        newPassword: NEW_PASSWORD,
      });
      assert.equal(response.statusCode, 401);
      assert.deepEqual(response.json(), { error: 'invalid_credentials' });
      assert.equal(response.body, loginFailure.body);
      assert.equal(response.headers['set-cookie'], undefined);
    }
    for (const session of [all.hybrid, all.token]) {
      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(session.accessToken) });
      assert.equal(me.statusCode, 200);
    }
    assert.equal((await loginStatus(app, 'wrong@example.com', PASSWORD)).statusCode, 200);
  });

  it('refuses a weak or missing new password with 400 invalid_password, changing nothing', async () => {
    const { app } = createTestServer();
    const all = await signInEverywhere(app, 'weak@example.com');
    for (const newPassword of ['short', '', 42, undefined, 'p'.repeat(129)]) {
      const response = await changePassword(app, bearer(all.hybrid.accessToken), {
        currentPassword: PASSWORD,
        newPassword,
      });
      assert.equal(response.statusCode, 400);
      assert.deepEqual(response.json(), { error: 'invalid_password' });
    }
    assert.equal(
      (await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: all.cookie.cookie } }))
        .statusCode,
      200,
    );
    assert.equal((await loginStatus(app, 'weak@example.com', PASSWORD)).statusCode, 200);
  });

  it('needs a caller (401 invalid_token), and the CSRF token when the caller is a cookie (403 csrf)', async () => {
    const { app } = createTestServer();
    const all = await signInEverywhere(app, 'guard@example.com');
    assertNoCredentials(await changePassword(app, {}));
    assertCsrfRefused(await changePassword(app, { cookie: all.cookie.cookie }));
    assertCsrfRefused(
      await changePassword(app, { ...sameOriginHeaders(all.cookie), 'sec-fetch-site': 'cross-site' }),
    );
    assert.equal((await loginStatus(app, 'guard@example.com', PASSWORD)).statusCode, 200);
  });
});
