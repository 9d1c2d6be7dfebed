import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REFRESH_COOKIE } from './auth/refresh-cookie.ts';
import {
  assertClearsRefreshCookie,
  assertCsrfRefused,
  assertInvalidGrant,
  bearer,
  createTestServer,
  HOUR_MS,
  ORIGIN,
  registerAndLoginWithTokens,
  refreshWithCookie,
} from '../testing/index.ts';

function getRefreshCsrf(
  app: ReturnType<typeof createTestServer>['app'],
  cookie: string | undefined,
  headers: Record<string, string> = { 'sec-fetch-site': 'same-origin' },
) {
  return app.inject({
    method: 'GET',
    url: '/auth/refresh/csrf',
    headers: { ...(cookie === undefined ? {} : { cookie: `${REFRESH_COOKIE}=${cookie}` }), ...headers },
  });
}

describe('GET /auth/refresh/csrf (a reloaded hybrid page learns its CSRF token)', () => {
  it("answers the session's CSRF token from the refresh cookie alone, spending nothing", async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'reload@example.com', 'hybrid');
    const response = await getRefreshCsrf(app, login.refreshToken);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.deepEqual(response.json(), { csrfToken: login.csrfToken });
    assert.equal(response.headers['set-cookie'], undefined, 'the cookie is left as it is');
    // The token was not spent: the refresh it enables works, once.
    const refreshed = await refreshWithCookie(app, login.refreshToken, response.json().csrfToken);
    assert.equal(refreshed.statusCode, 200);
  });

  it('refuses cross-site and foreign-origin callers (403 csrf) without clearing the cookie', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'xsite@example.com', 'hybrid');
    const foreign: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'https://evil.example' },
      { origin: 'null' },
    ];
    for (const headers of foreign) {
      const response = await getRefreshCsrf(app, login.refreshToken, headers);
      assertCsrfRefused(response);
      assert.equal(response.headers['set-cookie'], undefined);
    }
    assert.equal((await getRefreshCsrf(app, login.refreshToken, { origin: ORIGIN })).statusCode, 200);
  });

  it('no cookie, an unknown one, a token-strategy token, a revoked or expired session: 400 invalid_grant, cookie cleared', async () => {
    const { app, clock } = createTestServer();
    const hybrid = await registerAndLoginWithTokens(app, 'dead@example.com', 'hybrid');
    const token = await registerAndLoginWithTokens(app, 'other@example.com', 'token');
    for (const cookie of [undefined, 'A'.repeat(43), token.refreshToken]) {
      const response = await getRefreshCsrf(app, cookie);
      assertInvalidGrant(response);
      assertClearsRefreshCookie(response);
    }
    const loggedOut = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: bearer(hybrid.accessToken),
    });
    assert.equal(loggedOut.statusCode, 204);
    assertInvalidGrant(await getRefreshCsrf(app, hybrid.refreshToken));

    const expiring = await registerAndLoginWithTokens(app, 'idle@example.com', 'hybrid');
    assert.equal((await getRefreshCsrf(app, expiring.refreshToken)).statusCode, 200);
    clock.advance(13 * HOUR_MS);
    assertInvalidGrant(await getRefreshCsrf(app, expiring.refreshToken));
  });
});
