import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  assertInvalidGrant,
  assertInvalidToken,
  bearer,
  createTestServer,
  loginWithTokens,
  MINUTE_MS,
  refreshWithBody,
  refreshWithCookie,
  registerAndLogin,
  registerAndLoginWithTokens,
} from '../testing/index.ts';

function revoke(app: FastifyInstance, payload: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/oauth/revoke', headers, payload: payload as object });
}

function assertRevokeOk(response: Awaited<ReturnType<typeof revoke>>): void {
  assert.equal(response.statusCode, 200);
  assert.equal(response.body, '');
  assert.equal(response.headers['cache-control'], 'no-store');
}

describe('POST /oauth/revoke (RFC 7009)', () => {
  it('revokes an access token’s session and refresh family', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'at@example.com', 'hybrid');
    assertRevokeOk(await revoke(app, { token: login.accessToken }));
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) }),
    );
    assertInvalidGrant(await refreshWithCookie(app, login.refreshToken, login.csrfToken));
  });

  it('revokes a refresh token’s session and family, even a token already rotated', async () => {
    const { app, store } = createTestServer();
    const live = await registerAndLoginWithTokens(app, 'rt@example.com', 'token');
    assertRevokeOk(await revoke(app, { token: live.refreshToken, token_type_hint: 'refresh_token' }));
    assertInvalidGrant(await refreshWithBody(app, live.refreshToken));
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(live.accessToken) }),
    );

    const rotated = await loginWithTokens(app, 'rt@example.com', 'token');
    const next = (await refreshWithBody(app, rotated.refreshToken)).json();
    assertRevokeOk(await revoke(app, { token: rotated.refreshToken }));
    assertInvalidGrant(await refreshWithBody(app, next.refreshToken));
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(next.accessToken) }),
    );
    const reasons = (await store.audit.query({ type: 'session.revoked', limit: 10 })).map(
      (event) => event.data.reason,
    );
    assert.deepEqual(reasons, ['token_revoked', 'token_revoked']);
  });

  it('treats the hint as a hint: a wrong one still finds the token', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'hint@example.com', 'token');
    assertRevokeOk(await revoke(app, { token: login.accessToken, token_type_hint: 'refresh_token' }));
    assertInvalidGrant(await refreshWithBody(app, login.refreshToken));
    const other = await loginWithTokens(app, 'hint@example.com', 'token');
    assertRevokeOk(await revoke(app, { token: other.refreshToken, token_type_hint: 'access_token' }));
    assertInvalidGrant(await refreshWithBody(app, other.refreshToken));
    const unknownHint = await loginWithTokens(app, 'hint@example.com', 'token');
    assertRevokeOk(await revoke(app, { token: unknownHint.refreshToken, token_type_hint: 'id_token' }));
    assertInvalidGrant(await refreshWithBody(app, unknownHint.refreshToken));
  });

  it('answers 200 for unknown, expired and foreign tokens, and revokes nothing then', async () => {
    const { app, clock } = createTestServer();
    const cookie = await registerAndLogin(app, 'unknown@example.com');
    const login = await loginWithTokens(app, 'unknown@example.com', 'token');
    for (const token of [
      'A'.repeat(43),
      'not-a-token',
      'x.y.z',
      cookie.token,
      login.accessToken.slice(0, -4) + 'AAAA',
      'é'.repeat(100),
    ]) {
      assertRevokeOk(await revoke(app, { token }));
    }
    assert.equal(
      (await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: cookie.cookie } })).statusCode,
      200,
      'a session token is not a revocable token',
    );
    assert.equal(
      (await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) })).statusCode,
      200,
    );
    // An expired access token no longer names anything revocable; its refresh token still does.
    clock.advance(11 * MINUTE_MS);
    assertRevokeOk(await revoke(app, { token: login.accessToken }));
    assert.equal((await refreshWithBody(app, login.refreshToken)).statusCode, 200);
  });

  it('refuses a malformed request with 400 invalid_request, and a body neither JSON nor form with 415', async () => {
    const { app } = createTestServer();
    for (const payload of [
      {},
      { token: '' },
      { token: 42 },
      { token: null },
      { token: ['x'] },
      { token: 'x', token_type_hint: 7 },
      ['x'],
    ]) {
      const response = await revoke(app, payload);
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.deepEqual(response.json(), { error: 'invalid_request' });
    }
    const empty = await app.inject({ method: 'POST', url: '/oauth/revoke' });
    assert.equal(empty.statusCode, 400);
    assert.deepEqual(empty.json(), { error: 'invalid_request' });
    const text = await app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'text/plain' },
      payload: 'token=x',
    });
    assert.equal(text.statusCode, 415);
    assert.deepEqual(text.json(), { error: 'unsupported_media_type' });
    // RFC 6749 §3.1: a parameter may appear once.
    const repeated = await app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=x&token=y',
    });
    assert.equal(repeated.statusCode, 400);
    assert.deepEqual(repeated.json(), { error: 'invalid_request' });
  });

  it('takes the RFC 7009 form body: the token is revoked, refused at once, and an unknown client_id is invalid_client', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'form@example.com', 'token');
    const unknownClient = await app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: login.refreshToken, client_id: 'nobody' }).toString(),
    });
    assert.equal(unknownClient.statusCode, 401);
    assert.deepEqual(unknownClient.json(), { error: 'invalid_client' });
    assert.equal(
      (await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) })).statusCode,
      200,
    );
    const response = await app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
      payload: new URLSearchParams({
        token: login.refreshToken,
        token_type_hint: 'refresh_token',
        client_id: 'gatehouse',
      }).toString(),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.body, '');
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) }),
    );
  });

  it('refuses cross-site browser requests (403 csrf)', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'xsite@example.com', 'token');
    const response = await revoke(app, { token: login.accessToken }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(response.statusCode, 403);
    assert.deepEqual(response.json(), { error: 'csrf' });
    assert.equal(
      (await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) })).statusCode,
      200,
    );
  });
});
