/**
 * OWASP CSRF Prevention cheat sheet (synchronizer token, Origin and Fetch Metadata checks) and
 * ASVS 5 V3.5 (browser origin separation), against a real server: the admin API under a cookie,
 * near-miss origins, tokens in the wrong place, and method-override tricks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertAlive,
  assertError,
  bearer,
  type CookieLogin,
  loginWithCookie,
  newAdmin,
  newCookieUser,
  ORIGIN,
  type SecurityServer,
  sameOrigin,
  startSecurityServer,
} from './support.ts';

describe('CSRF: the admin API under a cookie', () => {
  let target: SecurityServer;
  let admin: CookieLogin;
  before(async () => {
    target = await startSecurityServer();
    const tokenAdmin = await newAdmin(target);
    admin = await loginWithCookie(target, tokenAdmin.email);
  });
  after(() => target.close());

  async function statusOf(userId: string): Promise<string> {
    const answer = await target.send('GET', `/admin/users/${userId}`, { headers: { cookie: admin.cookie } });
    return (answer.json() as { user: { status: string } }).user.status;
  }

  it('refuses a suspension without the CSRF token (403 csrf) and leaves the account active', async () => {
    const victim = await newCookieUser(target);
    const { 'x-csrf-token': _, ...headers } = sameOrigin(admin);
    assertError(await target.send('POST', `/admin/users/${victim.userId}/suspend`, { headers }), 403, 'csrf');
    assert.equal(await statusOf(victim.userId), 'active');
    await assertAlive(target, { cookie: victim.cookie });
  });

  it('refuses a cross-site key rotation (Sec-Fetch-Site: cross-site) and keeps the active key', async () => {
    const before = (await target.send('GET', '/.well-known/jwks.json')).body;
    const answer = await target.send('POST', '/admin/keys/rotate', {
      headers: { ...sameOrigin(admin), 'sec-fetch-site': 'cross-site' },
    });
    assertError(answer, 403, 'csrf');
    assert.equal((await target.send('GET', '/.well-known/jwks.json')).body, before);
  });

  it('refuses a deletion from a foreign Origin, even with the right token, and keeps the account', async () => {
    const victim = await newCookieUser(target);
    const answer = await target.send('DELETE', `/admin/users/${victim.userId}`, {
      headers: { ...sameOrigin(admin), origin: 'https://attacker.example' },
    });
    assertError(answer, 403, 'csrf');
    assert.equal(await statusOf(victim.userId), 'active');
  });
});

describe('CSRF: near-miss origins and misplaced tokens', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  async function refusedLogout(victim: CookieLogin, headers: Record<string, string>, path = '/auth/logout') {
    assertError(await target.send('POST', path, { headers }), 403, 'csrf');
    await assertAlive(target, { cookie: victim.cookie });
  }

  it('refuses the allowed origin on another port', async () => {
    const victim = await newCookieUser(target);
    await refusedLogout(victim, { ...sameOrigin(victim), origin: 'http://localhost:3001' });
  });

  it('refuses the allowed origin under another scheme (https)', async () => {
    const victim = await newCookieUser(target);
    await refusedLogout(victim, { ...sameOrigin(victim), origin: 'https://localhost:3000' });
  });

  it('compares origins exactly: upper case or a trailing slash is another origin', async () => {
    const victim = await newCookieUser(target);
    for (const origin of ['HTTP://LOCALHOST:3000', `${ORIGIN}/`, `${ORIGIN}.`, `${ORIGIN}:80`]) {
      await refusedLogout(victim, { ...sameOrigin(victim), origin });
    }
  });

  it('does not read the CSRF token from the query string', async () => {
    const victim = await newCookieUser(target);
    const { 'x-csrf-token': _, ...headers } = sameOrigin(victim);
    await refusedLogout(
      victim,
      headers,
      `/auth/logout?csrfToken=${victim.csrfToken}&x-csrf-token=${victim.csrfToken}`,
    );
  });

  it('does not read the CSRF token from the JSON body', async () => {
    const victim = await newCookieUser(target);
    const { 'x-csrf-token': _, ...headers } = sameOrigin(victim);
    const answer = await target.send('POST', '/auth/logout', {
      headers,
      json: { csrfToken: victim.csrfToken, _csrf: victim.csrfToken },
    });
    assertError(answer, 403, 'csrf');
    await assertAlive(target, { cookie: victim.cookie });
  });

  it('refuses two x-csrf-token headers, even when one of them is right', async () => {
    const victim = await newCookieUser(target);
    const { 'x-csrf-token': token, ...rest } = sameOrigin(victim);
    const answer = await target.send('POST', '/auth/logout', {
      headers: [...Object.entries(rest), ['x-csrf-token', token!], ['x-csrf-token', 'x'.repeat(43)]],
    });
    assertError(answer, 403, 'csrf');
    await assertAlive(target, { cookie: victim.cookie });
  });

  it("refuses the CSRF token of the user's previous session (tokens are bound to the session id)", async () => {
    const first = await newCookieUser(target);
    const second = await loginWithCookie(target, first.email);
    await refusedLogout(second, { ...sameOrigin(second), 'x-csrf-token': first.csrfToken });
  });
});

describe('method override: a safe method never becomes a state change', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  it('ignores X-HTTP-Method-Override (and its cousins) on a GET: 404, the session survives', async () => {
    const victim = await newCookieUser(target);
    for (const name of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      const answer = await target.send('GET', `/auth/sessions/${victim.sessionId}`, {
        headers: { cookie: victim.cookie, [name]: 'DELETE' },
      });
      assertError(answer, 404, 'not_found');
    }
    await assertAlive(target, { cookie: victim.cookie });
  });

  it('ignores a _method query parameter: a GET to the logout URL is not a logout', async () => {
    const victim = await newCookieUser(target);
    assertError(
      await target.send('GET', '/auth/logout?_method=POST', { headers: { cookie: victim.cookie } }),
      404,
      'not_found',
    );
    assertError(
      await target.send('GET', `/admin/users/${victim.userId}/suspend?_method=POST`, {
        headers: bearer('x'),
      }),
      404,
      'not_found',
    );
    await assertAlive(target, { cookie: victim.cookie });
  });
});
