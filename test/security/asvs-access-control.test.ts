/**
 * OWASP ASVS 5 V8 (authorization) and the OWASP Authorization cheat sheet against the admin API of
 * a real server: every route refuses anonymous callers and non-admins without side effects, path
 * spellings and rewrite headers do not route around the guard, and an admin cannot lock
 * themselves out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertAlive,
  assertError,
  assertInvalidToken,
  assertNoCredentials,
  bearer,
  type CookieLogin,
  headerOf,
  newAdmin,
  newCookieUser,
  newTokenUser,
  type SecurityServer,
  startSecurityServer,
  type TokenLogin,
} from './support.ts';

type Method = 'GET' | 'POST' | 'DELETE';

const routes: { method: Method; path: (userId: string, kid: string) => string; json?: unknown }[] = [
  { method: 'GET', path: () => '/admin/users' },
  { method: 'GET', path: (id) => `/admin/users/${id}` },
  { method: 'POST', path: (id) => `/admin/users/${id}/suspend` },
  { method: 'POST', path: (id) => `/admin/users/${id}/unsuspend` },
  { method: 'POST', path: (id) => `/admin/users/${id}/roles`, json: { roles: ['admin'] } },
  { method: 'DELETE', path: (id) => `/admin/users/${id}` },
  { method: 'GET', path: (id) => `/admin/users/${id}/sessions` },
  { method: 'DELETE', path: (id) => `/admin/users/${id}/sessions` },
  { method: 'GET', path: () => '/admin/keys' },
  { method: 'POST', path: () => '/admin/keys/rotate' },
  { method: 'POST', path: (_id, kid) => `/admin/keys/${kid}/revoke` },
  { method: 'GET', path: () => '/admin/audit' },
];

describe('ASVS V8: every admin route refuses anonymous callers (401) and non-admins (403)', () => {
  let target: SecurityServer;
  let user: TokenLogin;
  let bystander: CookieLogin;
  let kid: string;
  before(async () => {
    target = await startSecurityServer();
    user = await newTokenUser(target);
    bystander = await newCookieUser(target);
    kid = headerOf(user.accessToken).kid as string;
  });
  after(() => target.close());

  for (const route of routes) {
    const label = `${route.method} ${route.path(':id', ':kid')}`;
    it(`${label}: 401 without a caller, 403 for a user, and nothing changes`, async () => {
      // The user aims at themselves (self-promotion) and at a bystander.
      for (const id of [user.userId, bystander.userId]) {
        const path = route.path(id, kid);
        const options = route.json === undefined ? {} : { json: route.json };
        assertNoCredentials(await target.send(route.method, path, options));
        assertError(
          await target.send(route.method, path, { ...options, headers: bearer(user.accessToken) }),
          403,
          'forbidden',
        );
      }
      await assertAlive(target, bearer(user.accessToken));
      await assertAlive(target, { cookie: bystander.cookie });
      const me = (await target.send('GET', '/auth/me', { headers: bearer(user.accessToken) })).json() as {
        user: { roles: string[] };
      };
      assert.deepEqual(me.user.roles, []);
      const jwks = (await target.send('GET', '/.well-known/jwks.json')).json() as { keys: { kid: string }[] };
      assert.deepEqual(
        jwks.keys.map((key) => key.kid),
        [kid],
      );
    });
  }
});

describe('ASVS V8: the guard holds however the request is dressed', () => {
  let target: SecurityServer;
  let admin: TokenLogin;
  let user: TokenLogin;
  before(async () => {
    target = await startSecurityServer();
    admin = await newAdmin(target);
    user = await newTokenUser(target);
  });
  after(() => target.close());

  it('routes no spelling of /admin/users around the guard (case, dots, slashes, encodings)', async () => {
    const unrouted = [
      '/Admin/users',
      '/ADMIN/USERS',
      '/admin//users',
      '//admin/users',
      '/admin/./users',
      '/auth/../admin/users',
      '/auth/%2e%2e/admin/users',
      '/admin%2fusers',
      '/admin/users;x',
    ];
    for (const path of unrouted) {
      assertError(await target.send('GET', path, { headers: bearer(user.accessToken) }), 404, 'not_found');
    }
    // Spellings that do reach the route meet its guard.
    for (const path of ['/%61dmin/users', '/admin/users/', '/admin/%75sers']) {
      assertNoCredentials(await target.send('GET', path));
      assertError(await target.send('GET', path, { headers: bearer(user.accessToken) }), 403, 'forbidden');
    }
  });

  it('ignores path-rewrite headers (X-Original-URL, X-Rewrite-URL)', async () => {
    const answer = await target.send('GET', '/healthz', {
      headers: {
        'x-original-url': '/admin/users',
        'x-rewrite-url': '/admin/users',
        ...bearer(user.accessToken),
      },
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, '{"status":"ok"}');
  });

  it('has no GET form of a state change: GET /admin/users/:id/suspend is 404 for an admin', async () => {
    const victim = await newTokenUser(target);
    for (const path of [`/admin/users/${victim.userId}/suspend`, '/admin/keys/rotate']) {
      assertError(await target.send('GET', path, { headers: bearer(admin.accessToken) }), 404, 'not_found');
    }
    await assertAlive(target, bearer(victim.accessToken));
  });

  it('answers path traversal in :id with 404 not_found', async () => {
    for (const id of [
      '..',
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e%2f',
      `${user.userId}%2F..`,
      '%00',
      "1'%20OR%20'1'='1",
    ]) {
      assertError(
        await target.send('POST', `/admin/users/${id}/suspend`, { headers: bearer(admin.accessToken) }),
        404,
        'not_found',
      );
    }
    await assertAlive(target, bearer(user.accessToken));
  });
});

describe('ASVS V8: admin rights end with the account that held them', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  it('refuses the token of an admin another admin suspended', async () => {
    const first = await newAdmin(target);
    const second = await newAdmin(target);
    const suspended = await target.send('POST', `/admin/users/${second.userId}/suspend`, {
      headers: bearer(first.accessToken),
    });
    assert.equal(suspended.status, 200);
    assertInvalidToken(await target.send('GET', '/admin/users', { headers: bearer(second.accessToken) }));
  });

  it('ends a demoted admin’s access at once, and their next login has no admin rights', async () => {
    const first = await newAdmin(target);
    const second = await newAdmin(target);
    const demoted = await target.send('POST', `/admin/users/${second.userId}/roles`, {
      headers: bearer(first.accessToken),
      json: { roles: [] },
    });
    assert.equal(demoted.status, 200);
    assertInvalidToken(await target.send('GET', '/admin/users', { headers: bearer(second.accessToken) }));
    const login = await target.send('POST', '/auth/login', {
      json: { email: second.email, password: 'a long enough passphrase', strategy: 'token' },
    });
    const { accessToken } = login.json() as { accessToken: string };
    assertError(await target.send('GET', '/admin/users', { headers: bearer(accessToken) }), 403, 'forbidden');
  });

  it('does not let an admin suspend, delete or demote themselves (lock-out): 400, nothing changes', async () => {
    const admin = await newAdmin(target);
    const headers = bearer(admin.accessToken);
    const self = admin.userId;
    assertError(
      await target.send('POST', `/admin/users/${self}/suspend`, { headers }),
      400,
      'invalid_request',
    );
    assertError(await target.send('DELETE', `/admin/users/${self}`, { headers }), 400, 'invalid_request');
    assertError(
      await target.send('POST', `/admin/users/${self}/roles`, { headers, json: { roles: [] } }),
      400,
      'invalid_request',
    );
    assert.equal((await target.send('GET', '/admin/users', { headers })).status, 200);
  });
});
