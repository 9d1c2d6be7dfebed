import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RevocationEvent } from '@gatehouse/core';
import type { LightMyRequestResponse } from 'fastify';
import {
  assertInvalidGrant,
  assertInvalidToken,
  assertNoCredentials,
  bearer,
  claimsOf,
  createTestServer,
  getMe,
  headerOf,
  login,
  loginWithTokens,
  MINUTE_MS,
  PASSWORD,
  refreshWithBody,
  register,
  registerAndLogin,
  sameOriginHeaders,
  type TestServer,
} from '../testing/index.ts';

/** A server with an admin (token strategy, Bearer) and a target user signed in with a cookie and a token. */
async function setup() {
  const server = createTestServer();
  const { app, store } = server;
  await register(app, 'admin@example.com');
  const adminRecord = await store.users.getByEmail('admin@example.com');
  await store.users.update(adminRecord!.id, { roles: ['admin'] });
  const admin = await loginWithTokens(app, 'admin@example.com', 'token');
  const target = await registerAndLogin(app, 'target@example.com');
  const targetToken = await loginWithTokens(app, 'target@example.com', 'token');
  return { ...server, admin, adminHeaders: bearer(admin.accessToken), target, targetToken };
}

function as(server: { app: TestServer['app'] }, headers: Record<string, string>) {
  return (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>) =>
    server.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
}

function assertError(response: LightMyRequestResponse, status: number, error: string): void {
  assert.equal(response.statusCode, status, response.body);
  assert.deepEqual(response.json(), { error });
}

async function publishedEvents(server: TestServer): Promise<RevocationEvent[]> {
  return (await server.feed.snapshot()).events;
}

const adminRoutes = (id: string, kid: string): { method: 'GET' | 'POST' | 'DELETE'; url: string }[] => [
  { method: 'GET', url: '/admin/users' },
  { method: 'GET', url: `/admin/users/${id}` },
  { method: 'POST', url: `/admin/users/${id}/suspend` },
  { method: 'POST', url: `/admin/users/${id}/unsuspend` },
  { method: 'POST', url: `/admin/users/${id}/roles` },
  { method: 'DELETE', url: `/admin/users/${id}` },
  { method: 'GET', url: `/admin/users/${id}/sessions` },
  { method: 'DELETE', url: `/admin/users/${id}/sessions` },
  { method: 'GET', url: '/admin/keys' },
  { method: 'POST', url: '/admin/keys/rotate' },
  { method: 'POST', url: `/admin/keys/${kid}/revoke` },
  { method: 'GET', url: '/admin/audit' },
];

describe('admin API: access control', () => {
  it('answers 401 invalid_token without a caller and 403 forbidden to a non-admin, changing nothing', async () => {
    const server = await setup();
    const kid = headerOf(server.admin.accessToken).kid as string;
    for (const route of adminRoutes(server.target.userId, kid)) {
      const anonymous = await server.app.inject({ ...route, payload: { roles: ['admin'] } });
      assertNoCredentials(anonymous);
      const user = await server.app.inject({
        ...route,
        headers: bearer(server.targetToken.accessToken),
        payload: { roles: ['admin'] },
      });
      assertError(user, 403, 'forbidden');
    }
    const target = await server.store.users.getById(server.target.userId);
    assert.deepEqual([target!.status, target!.roles], ['active', []]);
    assert.equal((await getMe(server.app, server.target.cookie)).statusCode, 200);
    assert.deepEqual(
      server.keyring.jwks().keys.map((key) => key.kid),
      [kid],
    );
    const refusals = await server.store.audit.query({ type: 'admin.forbidden', limit: 100 });
    assert.equal(refusals.length, adminRoutes('', '').length);
    assert.ok(refusals.every((event) => event.actorId === server.target.userId));
  });

  it('needs the CSRF token when the admin uses a cookie, and not with Bearer', async () => {
    const server = await setup();
    const cookieAdmin = await login(server.app, 'admin@example.com');
    const { 'x-csrf-token': _, ...withoutToken } = sameOriginHeaders(cookieAdmin);
    assertError(
      await as(server, withoutToken)('POST', `/admin/users/${server.target.userId}/suspend`),
      403,
      'csrf',
    );
    assertError(
      await as(server, { ...sameOriginHeaders(cookieAdmin), origin: 'https://evil.example' })(
        'POST',
        `/admin/users/${server.target.userId}/suspend`,
      ),
      403,
      'csrf',
    );
    assert.equal((await server.store.users.getById(server.target.userId))!.status, 'active');
    const allowed = await as(server, sameOriginHeaders(cookieAdmin))(
      'POST',
      `/admin/users/${server.target.userId}/suspend`,
    );
    assert.equal(allowed.statusCode, 200);
    // Reads with a cookie need no token: GET changes nothing.
    assert.equal((await as(server, { cookie: cookieAdmin.cookie })('GET', '/admin/users')).statusCode, 200);
  });

  it('reads roles from the store: a demoted admin is refused at once, whatever their token says', async () => {
    const server = await setup();
    await server.store.users.update(server.admin.userId, { roles: [] });
    assert.deepEqual(claimsOf(server.admin.accessToken).roles, ['admin']);
    assertError(await as(server, server.adminHeaders)('GET', '/admin/users'), 403, 'forbidden');
  });

  it('marks every admin answer no-store', async () => {
    const server = await setup();
    const response = await as(server, server.adminHeaders)('GET', '/admin/users');
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
  });
});

describe('admin API: users', () => {
  it('lists users with query, limit and offset, never with a password hash', async () => {
    const server = await setup();
    await register(server.app, 'other@example.com');
    const call = as(server, server.adminHeaders);
    const all = await call('GET', '/admin/users');
    assert.equal(all.statusCode, 200);
    const body = all.json();
    assert.deepEqual(
      body.users.map((user: { email: string }) => user.email),
      ['admin@example.com', 'other@example.com', 'target@example.com'],
    );
    assert.deepEqual(Object.keys(body.users[0]).sort(), [
      'createdAt',
      'email',
      'id',
      'passwordChangedAt',
      'roles',
      'status',
      'updatedAt',
    ]);
    assert.ok(!all.body.includes('$'), 'no hash material');
    assert.deepEqual([body.limit, body.offset], [50, 0]);

    const filtered = (await call('GET', '/admin/users?query=TARG')).json();
    assert.deepEqual(
      filtered.users.map((user: { email: string }) => user.email),
      ['target@example.com'],
    );
    assert.equal(filtered.total, 1, 'how many match the query');
    const page = (await call('GET', '/admin/users?limit=1&offset=1')).json();
    assert.deepEqual(
      page.users.map((user: { email: string }) => user.email),
      ['other@example.com'],
    );
    assert.equal(page.total, body.users.length, 'the total counts every page');
    assert.equal(body.total, body.users.length);
    assert.equal((await call('GET', '/admin/users?limit=100000')).json().limit, 500, 'capped');
    const literal = (await call('GET', '/admin/users?query=%25')).json();
    assert.deepEqual(literal.users, [], '% is a literal, not a wildcard');
  });

  it('refuses bad list parameters with 400 invalid_request', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    for (const query of [
      'limit=0',
      'limit=-1',
      'limit=ten',
      'limit=1e3',
      'limit=%201',
      'offset=-5',
      'offset=1.5',
      'limit=1&limit=2',
      'query=a&query=b',
      'query=%00',
      `query=${'a'.repeat(255)}`,
    ]) {
      assertError(await call('GET', `/admin/users?${query}`), 400, 'invalid_request');
    }
  });

  it('suspends: the account is refused at once on every strategy, and events are published and audited', async () => {
    const server = await setup();
    const hybrid = await loginWithTokens(server.app, 'target@example.com', 'hybrid');
    const response = await as(server, server.adminHeaders)(
      'POST',
      `/admin/users/${server.target.userId}/suspend`,
    );
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().user.status, 'suspended');

    assertInvalidToken(await getMe(server.app, server.target.cookie));
    assertInvalidToken(
      await server.app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: bearer(server.targetToken.accessToken),
      }),
    );
    assertInvalidGrant(await refreshWithBody(server.app, server.targetToken.refreshToken));
    assertError(
      await server.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'target@example.com', password: PASSWORD },
      }),
      401,
      'invalid_credentials',
    );
    const revokedSids = (await publishedEvents(server))
      .flatMap((event) => (event.type === 'session' ? [event.sid] : []))
      .sort();
    assert.deepEqual(
      revokedSids,
      [server.target.sessionId, server.targetToken.sessionId, hybrid.sessionId].sort(),
    );
    const [audit] = await server.store.audit.query({ type: 'user.suspended', limit: 10 });
    assert.equal(audit?.actorId, server.admin.userId);
    assert.equal(audit?.subjectId, server.target.userId);
    assert.deepEqual(audit?.data, { sessionsRevoked: 3, via: 'http' });
    const revocations = await server.store.audit.query({ type: 'session.revoked', limit: 10 });
    assert.ok(revocations.every((event) => event.data.reason === 'suspended'));
  });

  it('unsuspends: the user can sign in again', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    await call('POST', `/admin/users/${server.target.userId}/suspend`);
    const response = await call('POST', `/admin/users/${server.target.userId}/unsuspend`);
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().user.status, 'active');
    await login(server.app, 'target@example.com');
    assert.equal((await server.store.audit.query({ type: 'user.unsuspended', limit: 10 })).length, 1);
  });

  it('refuses to let an admin suspend, delete or re-role themselves (400), changing nothing', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    const self = server.admin.userId;
    assertError(await call('POST', `/admin/users/${self}/suspend`), 400, 'invalid_request');
    assertError(await call('DELETE', `/admin/users/${self}`), 400, 'invalid_request');
    assertError(await call('POST', `/admin/users/${self}/roles`, { roles: [] }), 400, 'invalid_request');
    const admin = await server.store.users.getById(self);
    assert.deepEqual([admin!.status, admin!.roles], ['active', ['admin']]);
    assert.equal((await call('GET', '/admin/users')).statusCode, 200);
  });

  it('answers 404 not_found for unknown and malformed ids (414 past the 100-character parameter cap)', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    assertError(await call('GET', `/admin/users/${'x'.repeat(101)}`), 414, 'invalid_request');
    for (const id of ['A'.repeat(22), 'no%20such', '..%2F..%2Fetc%2Fpasswd', 'x'.repeat(100)]) {
      for (const [method, url, payload] of [
        ['GET', `/admin/users/${id}`],
        ['POST', `/admin/users/${id}/suspend`],
        ['POST', `/admin/users/${id}/unsuspend`],
        ['POST', `/admin/users/${id}/roles`, { roles: [] }],
        ['DELETE', `/admin/users/${id}`],
        ['GET', `/admin/users/${id}/sessions`],
        ['DELETE', `/admin/users/${id}/sessions`],
      ] as const) {
        assertError(await call(method, url, payload), 404, 'not_found');
      }
    }
  });

  it('deletes: sessions revoked with events first, the account gone, the email free again', async () => {
    const server = await setup();
    const response = await as(server, server.adminHeaders)('DELETE', `/admin/users/${server.target.userId}`);
    assert.equal(response.statusCode, 204);
    assert.equal(response.body, '');
    assert.equal(await server.store.users.getById(server.target.userId), null);
    assertInvalidToken(await getMe(server.app, server.target.cookie));
    const sids = (await publishedEvents(server)).flatMap((event) =>
      event.type === 'session' ? [event.sid] : [],
    );
    assert.deepEqual(sids.sort(), [server.target.sessionId, server.targetToken.sessionId].sort());
    const [deleted] = await server.store.audit.query({ type: 'user.deleted', limit: 10 });
    assert.equal(deleted?.subjectId, server.target.userId);
    assert.equal(deleted?.actorId, server.admin.userId);
    // A new account under the same email is a new user, with nothing of the old one.
    const again = await registerAndLogin(server.app, 'target@example.com');
    assert.notEqual(again.userId, server.target.userId);
  });

  it('sets roles, ending the target’s sessions so the next login carries the new roles', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    const response = await call('POST', `/admin/users/${server.target.userId}/roles`, {
      roles: ['admin', 'support', 'admin'],
    });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json().user.roles, ['admin', 'support']);
    assertInvalidToken(await getMe(server.app, server.target.cookie));
    const next = await login(server.app, 'target@example.com');
    assert.notEqual(next.sessionId, server.target.sessionId);
    assert.equal(
      (await server.app.inject({ method: 'GET', url: '/admin/users', headers: { cookie: next.cookie } }))
        .statusCode,
      200,
    );
    const [audit] = await server.store.audit.query({ type: 'user.roles_changed', limit: 10 });
    assert.deepEqual(audit?.data, {
      before: [],
      after: ['admin', 'support'],
      sessionsRevoked: 2,
      via: 'http',
    });
  });

  it('refuses malformed roles with 400 invalid_request', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    for (const roles of ['admin', null, [1], ['Admin'], ['a b'], [''], Array(17).fill('r'), [{ $ne: 1 }]]) {
      assertError(
        await call('POST', `/admin/users/${server.target.userId}/roles`, { roles }),
        400,
        'invalid_request',
      );
    }
    assertError(await call('POST', `/admin/users/${server.target.userId}/roles`), 400, 'invalid_request');
    assert.equal((await getMe(server.app, server.target.cookie)).statusCode, 200, 'nothing revoked');
  });
});

describe('admin API: a user’s sessions', () => {
  it('lists the live sessions without secrets, and revokes them all', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    const listed = await call('GET', `/admin/users/${server.target.userId}/sessions`);
    assert.equal(listed.statusCode, 200);
    const sessions = listed.json().sessions;
    assert.deepEqual(
      sessions.map((session: { id: string }) => session.id).sort(),
      [server.target.sessionId, server.targetToken.sessionId].sort(),
    );
    assert.ok(!listed.body.includes('secretHash') && !listed.body.includes(server.target.token));

    const revoked = await call('DELETE', `/admin/users/${server.target.userId}/sessions`);
    assert.equal(revoked.statusCode, 204);
    assertInvalidToken(await getMe(server.app, server.target.cookie));
    assertInvalidGrant(await refreshWithBody(server.app, server.targetToken.refreshToken));
    assert.deepEqual((await call('GET', `/admin/users/${server.target.userId}/sessions`)).json(), {
      sessions: [],
    });
    const [audit] = await server.store.audit.query({ type: 'user.sessions_revoked', limit: 10 });
    assert.deepEqual(audit?.data, { count: 2, via: 'http' });
    // Revoking nothing is still an admin action on record.
    await call('DELETE', `/admin/users/${server.target.userId}/sessions`);
    assert.equal((await server.store.audit.query({ type: 'user.sessions_revoked', limit: 10 })).length, 2);
  });
});

describe('admin API: signing keys', () => {
  it('lists key metadata only, rotates (old tokens keep working) and audits it', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    const oldKid = headerOf(server.admin.accessToken).kid;
    const listed = await call('GET', '/admin/keys');
    assert.deepEqual(
      listed.json().keys.map((key: { kid: string; status: string }) => [key.kid, key.status]),
      [[oldKid, 'active']],
    );
    assert.ok(!listed.body.includes('privateKeyCipher') && !listed.body.includes('"d"'));

    const rotated = await call('POST', '/admin/keys/rotate');
    assert.equal(rotated.statusCode, 200);
    const { kid } = rotated.json();
    assert.notEqual(kid, oldKid);
    assert.equal((await call('GET', '/admin/users')).statusCode, 200, 'the old token still verifies');
    const fresh = await loginWithTokens(server.app, 'target@example.com', 'token');
    assert.equal(headerOf(fresh.accessToken).kid, kid);
    const [audit] = await server.store.audit.query({ type: 'key.rotated', limit: 10 });
    assert.deepEqual(audit?.data, { kid, previous: oldKid, via: 'http' });
    assert.equal(audit?.actorId, server.admin.userId);
  });

  it('revokes a key: its tokens are refused at once, a key event is published, and it is audited', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    const oldKid = headerOf(server.admin.accessToken).kid as string;
    const { kid: newKid } = (await call('POST', '/admin/keys/rotate')).json();
    // The admin needs a token the revocation does not kill.
    const admin = await loginWithTokens(server.app, 'admin@example.com', 'token');
    const revoked = await as(server, bearer(admin.accessToken))('POST', `/admin/keys/${oldKid}/revoke`);
    assert.equal(revoked.statusCode, 204);
    assertInvalidToken(
      await server.app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: bearer(server.targetToken.accessToken),
      }),
    );
    assert.deepEqual(
      server.keyring.jwks().keys.map((key) => key.kid),
      [newKid],
    );
    const keyEvents = (await publishedEvents(server)).filter((event) => event.type === 'key');
    assert.equal(keyEvents.length, 1);
    const [event] = keyEvents;
    assert.equal(event?.type === 'key' && event.kid, oldKid);
    assert.equal(event?.until, server.clock.now() + 10 * MINUTE_MS + 60_000);
    const [audit] = await server.store.audit.query({ type: 'key.revoked', limit: 10 });
    assert.deepEqual(audit?.data, { kid: oldKid, wasActive: false, active: newKid, via: 'http' });
  });

  it('revoking the active key makes a new one; an unknown or malformed kid is 404', async () => {
    const server = await setup();
    const activeKid = headerOf(server.admin.accessToken).kid as string;
    const response = await as(server, server.adminHeaders)('POST', `/admin/keys/${activeKid}/revoke`);
    assert.equal(response.statusCode, 204);
    const admin = await loginWithTokens(server.app, 'admin@example.com', 'token');
    assert.notEqual(headerOf(admin.accessToken).kid, activeKid);
    const call = as(server, bearer(admin.accessToken));
    for (const kid of [activeKid, 'unknown', '..%2F..', 'k%20k']) {
      assertError(await call('POST', `/admin/keys/${kid}/revoke`), 404, 'not_found');
    }
  });
});

describe('admin API: audit log', () => {
  it('filters by user, type and time, newest first, with a capped limit', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    const start = server.clock.now();
    server.clock.advance(MINUTE_MS);
    await call('POST', `/admin/users/${server.target.userId}/suspend`);
    server.clock.advance(MINUTE_MS);
    await call('POST', `/admin/users/${server.target.userId}/unsuspend`);

    const byUser = (await call('GET', `/admin/audit?userId=${server.target.userId}`)).json().events;
    assert.ok(byUser.length > 0);
    assert.ok(
      byUser.every(
        (event: { actorId: string; subjectId: string }) =>
          event.actorId === server.target.userId || event.subjectId === server.target.userId,
      ),
    );
    const types = byUser.map((event: { type: string }) => event.type);
    assert.equal(types[0], 'user.unsuspended', 'newest first');

    const byType = (await call('GET', '/admin/audit?type=user.suspended')).json().events;
    assert.equal(byType.length, 1);
    assert.equal(byType[0].at, new Date(start + MINUTE_MS).toISOString());
    assert.equal(byType[0].actorId, server.admin.userId);
    const admin = await server.store.users.getById(server.admin.userId);
    const target = await server.store.users.getById(server.target.userId);
    assert.equal(byType[0].actorEmail, admin?.email, 'the audit view names the admin by email');
    assert.equal(byType[0].subjectEmail, target?.email);

    const window = `from=${new Date(start + MINUTE_MS + 1).toISOString()}&to=${new Date(start + 2 * MINUTE_MS).toISOString()}`;
    const windowed = (await call('GET', `/admin/audit?${window}`)).json().events;
    assert.deepEqual(
      windowed.map((event: { type: string }) => event.type),
      ['user.unsuspended'],
    );
    assert.equal((await call('GET', '/admin/audit?limit=1')).json().events.length, 1);
    assert.equal((await call('GET', '/admin/audit?limit=999999')).statusCode, 200, 'capped, not refused');
  });

  it('refuses bad filters with 400 invalid_request', async () => {
    const server = await setup();
    const call = as(server, server.adminHeaders);
    for (const query of [
      'limit=0',
      'limit=abc',
      'from=yesterday',
      'from=1700000000000',
      'to=2026-13-45T99:00:00Z',
      'from=2026-02-31',
      'from=2026-01-01T25:00:00Z',
      'from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
      'type=Login.Success',
      `type=${'a'.repeat(65)}`,
      'userId=..%2Fetc',
      'userId=a&userId=b',
    ]) {
      assertError(await call('GET', `/admin/audit?${query}`), 400, 'invalid_request');
    }
  });

  it('never records a token, password or cookie', async () => {
    const server = await setup();
    await as(server, server.adminHeaders)('POST', `/admin/users/${server.target.userId}/suspend`);
    const all = JSON.stringify(
      (await as(server, server.adminHeaders)('GET', '/admin/audit?limit=500')).json(),
    );
    for (const secret of [
      PASSWORD,
      server.target.token,
      server.targetToken.accessToken,
      server.targetToken.refreshToken,
      server.admin.accessToken,
    ]) {
      assert.ok(!all.includes(secret));
    }
  });
});
