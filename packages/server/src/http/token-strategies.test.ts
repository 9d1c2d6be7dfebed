import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REFRESH_COOKIE } from './auth/refresh-cookie.ts';
import { SESSION_COOKIE } from './auth/session-cookie.ts';
import {
  AUDIENCE,
  assertClearsRefreshCookie,
  assertClearsSessionCookie,
  assertCsrfRefused,
  assertInvalidGrant,
  assertInvalidToken,
  assertNoCredentials,
  bearer,
  claimsOf,
  createTestServer,
  headerOf,
  ISSUER,
  login,
  loginWithTokens,
  MINUTE_MS,
  ORIGIN,
  PASSWORD,
  register,
  registerAndLogin,
  registerAndLoginWithTokens,
  refreshWithBody,
  refreshWithCookie,
  sameOriginHeaders,
  setCookies,
} from '../testing/index.ts';

const TWELVE_HOURS_S = 12 * 60 * 60;

describe('hybrid and token login', () => {
  it('hybrid: answers {user, accessToken, tokenType, expiresIn, csrfToken} and sets only the refresh cookie, exactly', async () => {
    const { app, csrf } = createTestServer();
    await register(app, 'hy@example.com');
    const response = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'hy@example.com', password: PASSWORD, strategy: 'hybrid' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), [
      'accessToken',
      'csrfToken',
      'expiresIn',
      'tokenType',
      'user',
    ]);
    assert.deepEqual(body.user, { id: body.user.id, email: 'hy@example.com', roles: [] });
    assert.equal(body.tokenType, 'Bearer');
    assert.equal(body.expiresIn, 600);
    const claims = claimsOf(body.accessToken);
    assert.equal(body.csrfToken, csrf.issue(claims.sid as string));

    const cookies = setCookies(response);
    assert.equal(cookies.length, 1);
    const cookie = cookies[0]!;
    assert.equal(cookie.name, '__Secure-gh_refresh');
    assert.match(cookie.value, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(
      new Map([...cookie.attributes].sort()),
      new Map(
        [
          ['httponly', ''],
          ['secure', ''],
          ['samesite', 'Strict'],
          ['path', '/auth/refresh'],
          ['max-age', String(TWELVE_HOURS_S)],
        ].sort() as [string, string][],
      ),
    );
    assert.ok(!response.body.includes(cookie.value), 'the refresh token is only in the cookie');
  });

  it('token: answers {user, accessToken, refreshToken, tokenType, expiresIn} and sets no cookie', async () => {
    const { app } = createTestServer();
    await register(app, 'tk@example.com');
    const response = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'tk@example.com', password: PASSWORD, strategy: 'token' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['set-cookie'], undefined);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), [
      'accessToken',
      'expiresIn',
      'refreshToken',
      'tokenType',
      'user',
    ]);
    assert.equal(body.tokenType, 'Bearer');
    assert.equal(body.expiresIn, 600);
    assert.match(body.refreshToken, /^[A-Za-z0-9_-]{43}$/);
  });

  it('signs RFC 9068 access tokens for the session: typ at+jwt, kid, iss, aud, sub, sid, roles', async () => {
    const { app, keyring } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'claims@example.com', 'token');
    assert.deepEqual(headerOf(login.accessToken), {
      alg: 'ES256',
      kid: keyring.getSigningKey().kid,
      typ: 'at+jwt',
    });
    const claims = claimsOf(login.accessToken);
    assert.deepEqual(Object.keys(claims).sort(), [
      'aud',
      'client_id',
      'exp',
      'iat',
      'iss',
      'jti',
      'roles',
      'sid',
      'sub',
    ]);
    assert.equal(claims.client_id, 'gatehouse', 'RFC 9068 §2.2: the default client');
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, AUDIENCE);
    assert.equal(claims.sub, login.userId);
    assert.equal((claims.exp as number) - (claims.iat as number), 600);
  });
});

describe('Bearer credentials', () => {
  it('authenticate /auth/me, /auth/sessions and /auth/csrf for both strategies', async () => {
    const { app } = createTestServer();
    await register(app, 'me@example.com');
    for (const strategy of ['hybrid', 'token'] as const) {
      const login = await loginWithTokens(app, 'me@example.com', strategy);
      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) });
      assert.equal(me.statusCode, 200);
      assert.equal(me.headers['cache-control'], 'no-store');
      const body = me.json();
      assert.deepEqual(body.user, { id: login.userId, email: 'me@example.com', roles: [] });
      assert.equal(body.session.id, login.sessionId);
      assert.equal(body.session.strategy, strategy);

      const sessions = await app.inject({
        method: 'GET',
        url: '/auth/sessions',
        headers: bearer(login.accessToken),
      });
      assert.equal(sessions.statusCode, 200);
      const current = sessions.json().sessions.filter((each: { current: boolean }) => each.current);
      assert.deepEqual(
        current.map((each: { id: string; strategy: string }) => [each.id, each.strategy]),
        [[login.sessionId, strategy]],
      );

      const csrf = await app.inject({ method: 'GET', url: '/auth/csrf', headers: bearer(login.accessToken) });
      assert.equal(csrf.statusCode, 200);
      if (strategy === 'hybrid') assert.deepEqual(csrf.json(), { csrfToken: login.csrfToken });
    }
  });

  it('takes the scheme in any case, and refuses a malformed header or two headers with 401 invalid_token', async () => {
    const { app } = createTestServer();
    const { accessToken } = await registerAndLoginWithTokens(app, 'scheme@example.com', 'token');
    for (const authorization of [
      `bearer ${accessToken}`,
      `BEARER ${accessToken}`,
      `Bearer   ${accessToken}`,
    ]) {
      const response = await app.inject({ method: 'GET', url: '/auth/me', headers: { authorization } });
      assert.equal(response.statusCode, 200, authorization);
    }
    for (const authorization of [
      'Bearer',
      'Bearer ',
      `Bearer ${accessToken} extra`,
      `Bearer ${accessToken},${accessToken}`,
      `Bearer "${accessToken}"`,
      `Bearer\t${accessToken}`,
    ]) {
      assertInvalidToken(await app.inject({ method: 'GET', url: '/auth/me', headers: { authorization } }));
    }
    const twice = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: [`Bearer ${accessToken}`, `Bearer ${accessToken}`] as unknown as string },
    });
    assertInvalidToken(twice);
  });

  it('goes first: a Bearer header decides even when a session cookie is present', async () => {
    const { app } = createTestServer();
    const cookieLogin = await registerAndLogin(app, 'both@example.com');
    const tokens = await loginWithTokens(app, 'both@example.com', 'token');
    const withValidBearer = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { ...bearer(tokens.accessToken), cookie: `${SESSION_COOKIE}=garbage` },
    });
    assert.equal(withValidBearer.json().session.id, tokens.sessionId);
    const withBadBearer = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { ...bearer('not.a.token'), cookie: cookieLogin.cookie },
    });
    assertInvalidToken(withBadBearer);
    // Another scheme (a proxy's Basic credentials) is not ours: the cookie is used.
    const withBasic = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: 'Basic dXNlcjpwYXNz', cookie: cookieLogin.cookie },
    });
    assert.equal(withBasic.json().session.id, cookieLogin.sessionId);
    // Alone, a scheme we do not take is no credentials: the bare challenge (RFC 6750 §3.1).
    assertNoCredentials(
      await app.inject({ method: 'GET', url: '/auth/me', headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
    );
  });

  it('never reads the query string: ?access_token= without a header is 401 and changes nothing', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'query@example.com', 'token');
    assertNoCredentials(
      await app.inject({ method: 'GET', url: `/auth/me?access_token=${login.accessToken}` }),
    );
    assertNoCredentials(
      await app.inject({ method: 'POST', url: `/auth/logout?access_token=${login.accessToken}` }),
    );
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) });
    assert.equal(me.statusCode, 200, 'the session survived the query-string logout');
  });

  it('is not ambient: state changes with Bearer need no CSRF token, whatever Origin says', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'nocsrf@example.com', 'hybrid');
    const response = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: {
        ...bearer(login.accessToken),
        origin: 'https://elsewhere.example',
        'sec-fetch-site': 'cross-site',
      },
    });
    assert.equal(response.statusCode, 204);
  });

  it('refuses a token whose user is suspended, and an expired token, while the refresh token still works', async () => {
    const { app, store, clock } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'gone@example.com', 'token');
    await store.users.update(login.userId, { status: 'suspended' });
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) }),
    );
    await store.users.update(login.userId, { status: 'active' });

    clock.advance(10 * MINUTE_MS + 31_000);
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) }),
    );
    const refreshed = await refreshWithBody(app, login.refreshToken);
    assert.equal(refreshed.statusCode, 200);
    const me = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: bearer(refreshed.json().accessToken),
    });
    assert.equal(me.statusCode, 200);
  });
});

describe('token type confusion', () => {
  it('refuses a refresh token or a session token as Bearer (401 invalid_token)', async () => {
    const { app } = createTestServer();
    const hybrid = await registerAndLoginWithTokens(app, 'typ@example.com', 'hybrid');
    const token = await loginWithTokens(app, 'typ@example.com', 'token');
    const cookie = await login(app, 'typ@example.com');
    for (const value of [hybrid.refreshToken, token.refreshToken, cookie.token, hybrid.csrfToken!]) {
      assertInvalidToken(await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(value) }));
    }
  });

  it('refuses an access token in the session cookie (401) and clears that cookie', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'cookie@example.com', 'hybrid');
    const response = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { cookie: `${SESSION_COOKIE}=${login.accessToken}` },
    });
    assertInvalidToken(response);
    assertClearsSessionCookie(response);
  });

  it('refuses an access token or a session token as a refresh token (400 invalid_grant), by body and by cookie', async () => {
    const { app } = createTestServer();
    const hybrid = await registerAndLoginWithTokens(app, 'grant@example.com', 'hybrid');
    const cookie = await login(app, 'grant@example.com');
    for (const value of [hybrid.accessToken, cookie.token]) {
      assertInvalidGrant(await refreshWithBody(app, value));
      const byCookie = await refreshWithCookie(app, value, hybrid.csrfToken);
      assertInvalidGrant(byCookie);
      assertClearsRefreshCookie(byCookie);
    }
    // None of that spent the real refresh token.
    assert.equal((await refreshWithCookie(app, hybrid.refreshToken, hybrid.csrfToken)).statusCode, 200);
  });
});

describe('logging out with Bearer', () => {
  it('logout revokes the token’s session and its refresh family, and clears the hybrid refresh cookie', async () => {
    const { app } = createTestServer();
    await register(app, 'out@example.com');
    for (const strategy of ['hybrid', 'token'] as const) {
      const login = await loginWithTokens(app, 'out@example.com', strategy);
      const response = await app.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: bearer(login.accessToken),
      });
      assert.equal(response.statusCode, 204);
      if (strategy === 'hybrid') assertClearsRefreshCookie(response);
      else assert.equal(response.headers['set-cookie'], undefined);
      assertInvalidToken(
        await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) }),
      );
      assertInvalidGrant(
        strategy === 'hybrid'
          ? await refreshWithCookie(app, login.refreshToken, login.csrfToken)
          : await refreshWithBody(app, login.refreshToken),
      );
    }
  });

  it('logout-all ends the sessions of every strategy', async () => {
    const { app } = createTestServer();
    const cookie = await registerAndLogin(app, 'all@example.com');
    const hybrid = await loginWithTokens(app, 'all@example.com', 'hybrid');
    const token = await loginWithTokens(app, 'all@example.com', 'token');
    const response = await app.inject({
      method: 'POST',
      url: '/auth/logout-all',
      headers: bearer(token.accessToken),
    });
    assert.equal(response.statusCode, 204);
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: cookie.cookie } }),
    );
    for (const login of [hybrid, token]) {
      assertInvalidToken(
        await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) }),
      );
    }
    assertInvalidGrant(await refreshWithCookie(app, hybrid.refreshToken, hybrid.csrfToken));
    assertInvalidGrant(await refreshWithBody(app, token.refreshToken));
  });

  it('DELETE /auth/sessions/:id revokes another of my sessions, and my own with its cookie', async () => {
    const { app } = createTestServer();
    const cookie = await registerAndLogin(app, 'del@example.com');
    const hybrid = await loginWithTokens(app, 'del@example.com', 'hybrid');
    const other = await app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${cookie.sessionId}`,
      headers: bearer(hybrid.accessToken),
    });
    assert.equal(other.statusCode, 204);
    assert.equal(other.headers['set-cookie'], undefined);
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: cookie.cookie } }),
    );

    const own = await app.inject({
      method: 'DELETE',
      url: `/auth/sessions/${hybrid.sessionId}`,
      headers: bearer(hybrid.accessToken),
    });
    assert.equal(own.statusCode, 204);
    assertClearsRefreshCookie(own);
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(hybrid.accessToken) }),
    );
  });

  it('a cookie logout still clears only the session cookie and needs its CSRF token', async () => {
    const { app } = createTestServer();
    const cookie = await registerAndLogin(app, 'plain@example.com');
    const refused = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie: cookie.cookie, origin: ORIGIN },
    });
    assertCsrfRefused(refused);
    const response = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: sameOriginHeaders(cookie),
    });
    assert.equal(response.statusCode, 204);
    assertClearsSessionCookie(response);
    assert.equal(
      setCookies(response).some((each) => each.name === REFRESH_COOKIE),
      false,
    );
  });
});
