import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RotateRefreshInput } from '@gatehouse/core';
import { REFRESH_COOKIE } from './auth/refresh-cookie.ts';
import {
  assertClearsRefreshCookie,
  assertCsrfRefused,
  assertInvalidGrant,
  assertInvalidToken,
  bearer,
  createTestServer,
  loginWithTokens,
  MINUTE_MS,
  ORIGIN,
  refreshSetCookie,
  refreshWithBody,
  refreshWithCookie,
  registerAndLoginWithTokens,
} from '../testing/index.ts';

describe('POST /auth/refresh, hybrid (cookie + CSRF token)', () => {
  it('rotates: {accessToken, expiresIn}, a new refresh cookie, and the same CSRF token keeps working', async () => {
    const { app, clock } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'hy@example.com', 'hybrid');
    let refreshToken = login.refreshToken;
    for (let round = 0; round < 3; round++) {
      clock.advance(5 * MINUTE_MS);
      const response = await refreshWithCookie(app, refreshToken, login.csrfToken);
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['cache-control'], 'no-store');
      const body = response.json();
      assert.deepEqual(Object.keys(body).sort(), ['accessToken', 'expiresIn']);
      assert.equal(body.expiresIn, 600);
      const cookie = refreshSetCookie(response)!;
      assert.notEqual(cookie.value, refreshToken);
      assert.deepEqual(Object.fromEntries(cookie.attributes), {
        'max-age': String(12 * 60 * 60 - (round + 1) * 5 * 60),
        path: '/auth/refresh',
        httponly: '',
        secure: '',
        samesite: 'Strict',
      });
      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(body.accessToken) });
      assert.equal(me.json().session.id, login.sessionId);
      refreshToken = cookie.value;
    }
  });

  const refusals: [string, (csrfToken: string, otherCsrf: string) => Record<string, string>][] = [
    ['without a CSRF token', () => ({})],
    ['with an empty CSRF token', () => ({ 'x-csrf-token': '' })],
    ['with another session’s CSRF token', (_own, other) => ({ 'x-csrf-token': other })],
    [
      'from another site (Sec-Fetch-Site)',
      (own) => ({ 'x-csrf-token': own, 'sec-fetch-site': 'cross-site' }),
    ],
    [
      'from a sibling subdomain (same-site)',
      (own) => ({ 'x-csrf-token': own, 'sec-fetch-site': 'same-site' }),
    ],
    ['from another Origin', (own) => ({ 'x-csrf-token': own, origin: 'https://evil.example' })],
    ['from Origin null', (own) => ({ 'x-csrf-token': own, origin: 'null' })],
  ];
  for (const [name, headers] of refusals) {
    it(`refuses a refresh ${name} (403 csrf), keeping the cookie and its token usable`, async () => {
      const { app } = createTestServer();
      const login = await registerAndLoginWithTokens(app, 'csrf@example.com', 'hybrid');
      const other = await loginWithTokens(app, 'csrf@example.com', 'hybrid');
      const response = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: {
          cookie: `${REFRESH_COOKIE}=${login.refreshToken}`,
          origin: ORIGIN,
          'sec-fetch-site': 'same-origin',
          ...headers(login.csrfToken!, other.csrfToken!),
        },
      });
      assertCsrfRefused(response);
      assert.equal(response.headers['set-cookie'], undefined);
      assert.equal((await refreshWithCookie(app, login.refreshToken, login.csrfToken)).statusCode, 200);
    });
  }

  it('refuses a refresh with no Origin, Sec-Fetch-Site or Referer, or a foreign Referer (403 csrf); a same-origin Referer passes', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'referer@example.com', 'hybrid');
    const bare = { cookie: `${REFRESH_COOKIE}=${login.refreshToken}`, 'x-csrf-token': login.csrfToken! };
    for (const extra of [{}, { referer: 'https://evil.example/' }]) {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: { ...bare, ...extra },
      });
      assertCsrfRefused(response);
      assert.equal(response.headers['set-cookie'], undefined);
    }
    const allowed = await app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { ...bare, referer: `${ORIGIN}/` },
    });
    assert.equal(allowed.statusCode, 200, 'the refused attempts did not spend the token');
  });

  it('refuses a missing cookie, and a token-strategy refresh token in the cookie (400 invalid_grant), clearing the cookie', async () => {
    const { app } = createTestServer();
    const hybrid = await registerAndLoginWithTokens(app, 'kind@example.com', 'hybrid');
    const token = await loginWithTokens(app, 'kind@example.com', 'token');
    const noCookie = await app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { origin: ORIGIN, 'x-csrf-token': hybrid.csrfToken! },
    });
    assertInvalidGrant(noCookie);

    const wrongKind = await refreshWithCookie(app, token.refreshToken, hybrid.csrfToken);
    assertInvalidGrant(wrongKind);
    assertClearsRefreshCookie(wrongKind);
    // Not spent: the token still refreshes the way it was issued for.
    assert.equal((await refreshWithBody(app, token.refreshToken)).statusCode, 200);
  });

  it('refuses after logout (400 invalid_grant) and clears the cookie', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'bye@example.com', 'hybrid');
    const logout = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: bearer(login.accessToken),
    });
    assert.equal(logout.statusCode, 204);
    const response = await refreshWithCookie(app, login.refreshToken, login.csrfToken);
    assertInvalidGrant(response);
    assertClearsRefreshCookie(response);
  });
});

describe('POST /auth/refresh, token (body)', () => {
  it('rotates: {accessToken, expiresIn, refreshToken} and no cookie', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'tk@example.com', 'token');
    const response = await refreshWithBody(app, login.refreshToken);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['set-cookie'], undefined);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['accessToken', 'expiresIn', 'refreshToken']);
    assert.notEqual(body.refreshToken, login.refreshToken);
    assert.match(body.refreshToken, /^[A-Za-z0-9_-]{43}$/);
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(body.accessToken) });
    assert.equal(me.json().session.id, login.sessionId);
    assert.equal((await refreshWithBody(app, body.refreshToken)).statusCode, 200);
  });

  it('refuses a hybrid refresh token in the body (400 invalid_grant) without spending it', async () => {
    const { app } = createTestServer();
    const hybrid = await registerAndLoginWithTokens(app, 'body@example.com', 'hybrid');
    const response = await refreshWithBody(app, hybrid.refreshToken);
    assertInvalidGrant(response);
    assert.equal(response.headers['set-cookie'], undefined);
    assert.equal((await refreshWithCookie(app, hybrid.refreshToken, hybrid.csrfToken)).statusCode, 200);
  });

  it('refuses unknown, malformed and non-string refresh tokens (400 invalid_grant)', async () => {
    const { app } = createTestServer();
    await registerAndLoginWithTokens(app, 'bad@example.com', 'token');
    for (const refreshToken of [
      'A'.repeat(43),
      'short',
      '',
      42,
      null,
      ['x'],
      { token: 'x' },
      'A'.repeat(5000),
    ]) {
      assertInvalidGrant(await refreshWithBody(app, refreshToken));
    }
  });

  it('refuses a body that is not a JSON object (400 invalid_request) or not JSON (415)', async () => {
    const { app } = createTestServer();
    const array = await app.inject({ method: 'POST', url: '/auth/refresh', payload: ['x'] });
    assert.equal(array.statusCode, 400);
    assert.deepEqual(array.json(), { error: 'invalid_request' });
    const form = await app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'refresh_token=x&grant_type=refresh_token',
    });
    assert.equal(form.statusCode, 415);
    assert.deepEqual(form.json(), { error: 'unsupported_media_type' });
  });

  it('refuses once the session ended: logout, suspension, idle expiry', async () => {
    const { app, store, clock } = createTestServer();
    const loggedOut = await registerAndLoginWithTokens(app, 'end@example.com', 'token');
    await app.inject({ method: 'POST', url: '/auth/logout', headers: bearer(loggedOut.accessToken) });
    assertInvalidGrant(await refreshWithBody(app, loggedOut.refreshToken));

    const suspended = await loginWithTokens(app, 'end@example.com', 'token');
    await store.users.update(suspended.userId, { status: 'suspended' });
    assertInvalidGrant(await refreshWithBody(app, suspended.refreshToken));
    await store.users.update(suspended.userId, { status: 'active' });

    const idle = await loginWithTokens(app, 'end@example.com', 'token');
    clock.advance(30 * MINUTE_MS);
    assertInvalidGrant(await refreshWithBody(app, idle.refreshToken));
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(idle.accessToken) }),
    );
  });
});

describe('POST /auth/refresh and the store', () => {
  it('hands the rotation the session it checked, from the cookie and from the body alike', async () => {
    const rotations: RotateRefreshInput[] = [];
    const { app } = createTestServer({
      wrapStore: (store) => ({
        ...store,
        refreshTokens: {
          ...store.refreshTokens,
          rotate: (input) => {
            rotations.push(input);
            return store.refreshTokens.rotate(input);
          },
        },
      }),
    });
    const hybrid = await registerAndLoginWithTokens(app, 'seen-h@example.com', 'hybrid');
    assert.equal((await refreshWithCookie(app, hybrid.refreshToken, hybrid.csrfToken)).statusCode, 200);
    const token = await registerAndLoginWithTokens(app, 'seen-t@example.com', 'token');
    assert.equal((await refreshWithBody(app, token.refreshToken)).statusCode, 200);
    assert.deepEqual(
      rotations.map((input) => [input.presentedSession?.id, input.presentedSession?.userId]),
      [
        [hybrid.sessionId, hybrid.userId],
        [token.sessionId, token.userId],
      ],
    );
  });
});
