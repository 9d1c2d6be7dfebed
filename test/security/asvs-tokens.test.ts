/**
 * OWASP ASVS 5 V9 (self-contained tokens) and RFC 6750 (Bearer usage), over real sockets: where an
 * access token is accepted from, and that the auth server refuses it the moment its session,
 * user or key is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertAlive,
  assertError,
  assertInvalidToken,
  assertNoCredentials,
  bearer,
  headerOf,
  loginWithTokens,
  me,
  newAdmin,
  newTokenUser,
  REFRESH_COOKIE,
  type SecurityServer,
  SESSION_COOKIE,
  startSecurityServer,
  type TokenLogin,
} from './support.ts';

describe('ASVS V9 / RFC 6750: where an access token is accepted from', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  it('does not read access_token from a JSON body (RFC 6750 §2.2 form parameter)', async () => {
    const victim = await newTokenUser(target);
    const answer = await target.send('POST', '/auth/logout', { json: { access_token: victim.accessToken } });
    assertNoCredentials(answer);
    await assertAlive(target, bearer(victim.accessToken));
  });

  it('does not read access_token from a form-encoded body either', async () => {
    const victim = await newTokenUser(target);
    const answer = await target.send('POST', '/auth/logout', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `access_token=${victim.accessToken}`,
    });
    assertNoCredentials(answer);
    await assertAlive(target, bearer(victim.accessToken));
  });

  it('does not take an access token from a cookie of any name', async () => {
    const victim = await newTokenUser(target);
    for (const name of ['access_token', 'Authorization', 'gh_access', SESSION_COOKIE]) {
      const answer = await me(target, { cookie: `${name}=${victim.accessToken}` });
      // The session cookie is a credential (a bad one here); any other cookie is no credential at all.
      if (name === SESSION_COOKIE) assertInvalidToken(answer);
      else assertNoCredentials(answer);
    }
  });

  it('refuses two tokens in one Authorization header', async () => {
    const victim = await newTokenUser(target);
    const other = await newTokenUser(target);
    for (const value of [
      `Bearer ${victim.accessToken}, Bearer ${other.accessToken}`,
      `Bearer ${victim.accessToken} ${other.accessToken}`,
      `Bearer ${victim.accessToken},${other.accessToken}`,
    ]) {
      assertInvalidToken(await me(target, { authorization: value }));
    }
  });

  it('honours the hybrid refresh cookie nowhere but /auth/refresh', async () => {
    const victim = await newTokenUser(target, 'hybrid');
    const cookie = `${REFRESH_COOKIE}=${victim.refreshToken}`;
    assertNoCredentials(await me(target, { cookie }));
    assertNoCredentials(await target.send('GET', '/auth/sessions', { headers: { cookie } }));
    assertNoCredentials(
      await target.send('POST', '/auth/logout', {
        headers: { cookie, 'x-csrf-token': victim.csrfToken!, origin: 'http://localhost:3000' },
      }),
    );
    await assertAlive(target, bearer(victim.accessToken));
  });

  it('refuses a refresh token planted in the session cookie, and clears that cookie', async () => {
    const victim = await newTokenUser(target, 'hybrid');
    const answer = await me(target, { cookie: `${SESSION_COOKIE}=${victim.refreshToken}` });
    assertInvalidToken(answer);
    assert.ok((answer.headers['set-cookie'] ?? []).some((each) => each.startsWith(`${SESSION_COOKIE}=;`)));
  });
});

describe('ASVS V9: the auth server refuses a token the moment what it stands for is gone', () => {
  let target: SecurityServer;
  let admin: TokenLogin;
  before(async () => {
    target = await startSecurityServer();
    admin = await newAdmin(target);
  });
  after(() => target.close());

  const asAdmin = () => bearer(admin.accessToken);

  it('refuses an access token once an admin signs its user out everywhere', async () => {
    const victim = await newTokenUser(target);
    const revoked = await target.send('DELETE', `/admin/users/${victim.userId}/sessions`, {
      headers: asAdmin(),
    });
    assert.equal(revoked.status, 204);
    assertInvalidToken(await me(target, bearer(victim.accessToken)));
  });

  it('refuses the access token and the refresh token of a suspended user', async () => {
    const victim = await newTokenUser(target);
    const suspended = await target.send('POST', `/admin/users/${victim.userId}/suspend`, {
      headers: asAdmin(),
    });
    assert.equal(suspended.status, 200);
    assertInvalidToken(await me(target, bearer(victim.accessToken)));
    assertError(
      await target.send('POST', '/auth/refresh', { json: { refreshToken: victim.refreshToken } }),
      400,
      'invalid_grant',
    );
  });

  it('refuses the access token of a deleted user', async () => {
    const victim = await newTokenUser(target);
    const deleted = await target.send('DELETE', `/admin/users/${victim.userId}`, { headers: asAdmin() });
    assert.equal(deleted.status, 204);
    assertInvalidToken(await me(target, bearer(victim.accessToken)));
  });

  it('keeps tokens signed before a key rotation valid, and signs new ones with the new key', async () => {
    const before = await newTokenUser(target);
    const rotated = await target.send('POST', '/admin/keys/rotate', { headers: asAdmin() });
    assert.equal(rotated.status, 200);
    const { kid } = rotated.json() as { kid: string };
    assert.notEqual(headerOf(before.accessToken).kid, kid);
    await assertAlive(target, bearer(before.accessToken));
    const after = await newTokenUser(target);
    assert.equal(headerOf(after.accessToken).kid, kid);
  });

  it('refuses every token of a revoked key at once, drops it from the JWKS and announces it on the feed', async () => {
    const victim = await newTokenUser(target);
    const kid = headerOf(victim.accessToken).kid as string;
    await target.send('POST', '/admin/keys/rotate', { headers: asAdmin() });
    // The admin signs in again so its own token comes from the new key.
    admin = await loginWithTokens(target, admin.email, 'token');
    const revoked = await target.send('POST', `/admin/keys/${kid}/revoke`, { headers: asAdmin() });
    assert.equal(revoked.status, 204);
    assertInvalidToken(await me(target, bearer(victim.accessToken)));
    const jwks = (await target.send('GET', '/.well-known/jwks.json')).json() as { keys: { kid: string }[] };
    assert.ok(!jwks.keys.some((key) => key.kid === kid));
    const feed = (await target.send('GET', '/revocations')).json() as {
      events: { type: string; kid?: string; until: number }[];
    };
    const event = feed.events.find((each) => each.type === 'key' && each.kid === kid);
    assert.ok(event, 'a key event on the feed');
    assert.ok(event.until > Date.now() + 600_000, 'outlives every token the key signed');
  });
});
