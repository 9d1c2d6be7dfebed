/**
 * OWASP ASVS 5 V6 (authentication) and V1/V2 (encoding, validation, injection) over real sockets:
 * look-alike and unnormalised emails, control characters, injection-shaped and oversized input,
 * mass assignment and parser tricks in JSON bodies. Each case checks that no second account, no
 * takeover and no 5xx comes out of it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertAlive,
  assertError,
  bearer,
  loginWithCookie,
  newAdmin,
  PASSWORD,
  register,
  type SecurityServer,
  startSecurityServer,
  type TokenLogin,
  uniqueEmail,
} from './support.ts';

interface AdminUser {
  id: string;
  email: string;
  roles: string[];
  status: string;
}

describe('ASVS V6: one account per address, however it is spelt', () => {
  let target: SecurityServer;
  let admin: TokenLogin;
  before(async () => {
    target = await startSecurityServer();
    admin = await newAdmin(target);
  });
  after(() => target.close());

  async function accountsMatching(query: string): Promise<AdminUser[]> {
    const answer = await target.send('GET', `/admin/users?query=${encodeURIComponent(query)}`, {
      headers: bearer(admin.accessToken),
    });
    assert.equal(answer.status, 200);
    return (answer.json() as { users: AdminUser[] }).users;
  }

  it('does not let a fullwidth look-alike (ＡＬＩＣＥ@example.com) into alice@example.com', async () => {
    await register(target, 'alice@example.com');
    const lookAlike = 'ＡＬＩＣＥ@example.com';
    assertError(
      await target.send('POST', '/auth/login', { json: { email: lookAlike, password: PASSWORD } }),
      401,
      'invalid_credentials',
    );
    await register(target, lookAlike, 'the look-alike passphrase');
    const alice = await loginWithCookie(target, 'alice@example.com');
    assert.equal(alice.email, 'alice@example.com');
    const [real] = await accountsMatching('alice@example.com');
    assert.equal(real?.id, alice.userId, 'the real account is untouched');
    assertError(
      await target.send('POST', '/auth/login', {
        json: { email: 'alice@example.com', password: 'the look-alike passphrase' },
      }),
      401,
      'invalid_credentials',
    );
  });

  it('treats NFC and NFD spellings as one account (no duplicate, same user at login)', async () => {
    const nfc = 'jos\u00e9@example.com';
    const nfd = 'jose\u0301@example.com';
    await register(target, nfc);
    await register(target, nfd, 'another long passphrase');
    assert.equal((await accountsMatching('jos')).length, 1);
    const byNfd = await loginWithCookie(target, nfd);
    const byNfc = await loginWithCookie(target, nfc);
    assert.equal(byNfd.userId, byNfc.userId);
  });

  it('treats case and surrounding spaces as one account', async () => {
    const email = uniqueEmail('case');
    await register(target, email);
    await register(target, `  ${email.toUpperCase()} `, 'another long passphrase');
    assert.equal((await accountsMatching(email)).length, 1);
    const login = await loginWithCookie(target, ` ${email.replace(/^./, (c) => c.toUpperCase())}`);
    const [account] = await accountsMatching(email);
    assert.equal(login.userId, account?.id);
  });
});

describe('ASVS V1/V2: hostile input in credentials', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  it('refuses a NUL byte in the email: 400 at registration, 401 at login', async () => {
    const email = uniqueEmail('nul');
    await register(target, email);
    const withNul = email.replace('@', '\u0000@');
    assertError(
      await target.send('POST', '/auth/register', { json: { email: withNul, password: PASSWORD } }),
      400,
      'invalid_request',
    );
    assertError(
      await target.send('POST', '/auth/login', { json: { email: `${email}\u0000`, password: PASSWORD } }),
      401,
      'invalid_credentials',
    );
  });

  it('never truncates a password at a NUL byte', async () => {
    const email = uniqueEmail('nulpw');
    const password = `${PASSWORD}\u0000 and the rest`;
    await register(target, email, password);
    assertError(
      await target.send('POST', '/auth/login', { json: { email, password: PASSWORD } }),
      401,
      'invalid_credentials',
    );
    assertError(
      await target.send('POST', '/auth/login', { json: { email, password: `${PASSWORD}\u0000` } }),
      401,
      'invalid_credentials',
    );
    await loginWithCookie(target, email, password);
  });

  it('refuses a 10 000-character email without creating anything (400 / 401)', async () => {
    const email = `${'a'.repeat(10_000)}@example.com`;
    const store = target.server.store;
    const usersBefore = await store.users.list({ limit: 1000, offset: 0 });
    const activeBefore = await store.sessions.countActive(Date.now());
    const registered = await target.send('POST', '/auth/register', { json: { email, password: PASSWORD } });
    assertError(registered, 400, 'invalid_request');
    const loggedIn = await target.send('POST', '/auth/login', { json: { email, password: PASSWORD } });
    assertError(loggedIn, 401, 'invalid_credentials');
    assert.equal(registered.headers['set-cookie'], undefined);
    assert.equal(loggedIn.headers['set-cookie'], undefined);
    assert.equal(await store.users.getByEmail(email), null, 'no account under that email');
    assert.deepEqual(await store.users.list({ limit: 1000, offset: 0 }), usersBefore, 'no account at all');
    assert.deepEqual(await store.sessions.countActive(Date.now()), activeBefore, 'no session');
  });

  it('treats SQL metacharacters in the email as data', async () => {
    const victim = uniqueEmail('sqli');
    await register(target, victim);
    for (const email of [
      `${victim}' --`,
      `' OR '1'='1'--@example.com`,
      `x@example.com'; DROP TABLE users;--`,
    ]) {
      assertError(
        await target.send('POST', '/auth/login', { json: { email, password: 'whatever it is, long' } }),
        401,
        'invalid_credentials',
      );
    }
    await loginWithCookie(target, victim);
  });

  it('refuses query-operator objects in place of credentials (NoSQL-style injection)', async () => {
    const victim = uniqueEmail('nosql');
    await register(target, victim);
    for (const body of [
      { email: victim, password: { $ne: null } },
      { email: { $ne: null }, password: PASSWORD },
      { email: { $regex: '.*' }, password: { $gt: '' } },
      { email: [victim], password: [PASSWORD] },
    ]) {
      assertError(await target.send('POST', '/auth/login', { json: body }), 401, 'invalid_credentials');
    }
  });
});

describe('ASVS V2: parser and mass-assignment tricks in JSON bodies', () => {
  let target: SecurityServer;
  let admin: TokenLogin;
  before(async () => {
    target = await startSecurityServer();
    admin = await newAdmin(target);
  });
  after(() => target.close());

  async function account(email: string): Promise<AdminUser> {
    const answer = await target.send('GET', `/admin/users?query=${encodeURIComponent(email)}`, {
      headers: bearer(admin.accessToken),
    });
    const [user] = (answer.json() as { users: AdminUser[] }).users;
    assert.ok(user);
    return user;
  }

  it('ignores id, roles, status and passwordHash in a registration body (mass assignment)', async () => {
    const email = uniqueEmail('mass');
    const answer = await target.send('POST', '/auth/register', {
      json: {
        email,
        password: PASSWORD,
        id: admin.userId,
        roles: ['admin'],
        status: 'active',
        passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA',
        passwordChangedAt: 0,
      },
    });
    assert.equal(answer.status, 202);
    const created = await account(email);
    assert.notEqual(created.id, admin.userId);
    assert.deepEqual(created.roles, []);
    await loginWithCookie(target, email);
    await assertAlive(target, bearer(admin.accessToken));
  });

  it('reads duplicate JSON keys one way only (the last wins): no split between checker and user', async () => {
    const email = uniqueEmail('dupkey');
    await register(target, email);
    const lastWrong = `{"email":"${email}","password":"${PASSWORD}","password":"not the passphrase at all"}`;
    const lastRight = `{"email":"${email}","password":"not the passphrase at all","password":"${PASSWORD}"}`;
    const headers = { 'content-type': 'application/json' };
    assertError(
      await target.send('POST', '/auth/login', { headers, body: lastWrong }),
      401,
      'invalid_credentials',
    );
    assert.equal((await target.send('POST', '/auth/login', { headers, body: lastRight })).status, 200);
  });

  it('refuses a __proto__ key nested anywhere in a body, and pollutes nothing', async () => {
    const email = uniqueEmail('proto');
    const body = `{"email":"${email}","password":"${PASSWORD}","profile":{"__proto__":{"roles":["admin"]}}}`;
    assertError(
      await target.send('POST', '/auth/register', { headers: { 'content-type': 'application/json' }, body }),
      400,
      'invalid_request',
    );
    const deeper = `{"a":[{"b":{"constructor":{"prototype":{"isAdmin":true}}}}]}`;
    assertError(
      await target.send('POST', '/auth/login', {
        headers: { 'content-type': 'application/json' },
        body: deeper,
      }),
      400,
      'invalid_request',
    );
    const fresh = uniqueEmail('clean');
    await register(target, fresh);
    assert.deepEqual((await account(fresh)).roles, []);
  });

  it('answers JSON nested thousands of levels deep (within the size cap) with a 4xx, and keeps serving', async () => {
    const headers = { 'content-type': 'application/json' };
    const deepArray = '['.repeat(8000) + ']'.repeat(8000);
    const deepObject = `${'{"a":'.repeat(2500)}1${'}'.repeat(2500)}`;
    assert.ok(deepArray.length < 16 * 1024 && deepObject.length < 16 * 1024);
    // An array is not the object a body must be; the object parses and simply holds no credentials.
    assertError(
      await target.send('POST', '/auth/login', { headers, body: deepArray }),
      400,
      'invalid_request',
    );
    assertError(
      await target.send('POST', '/auth/login', { headers, body: deepObject }),
      401,
      'invalid_credentials',
    );
    assert.equal((await target.send('GET', '/healthz')).status, 200);
  });

  it('audits failed logins without the attempted password', async () => {
    const email = uniqueEmail('audited');
    await register(target, email);
    const attempted = 'Correct Horse Battery Staple 1';
    assertError(
      await target.send('POST', '/auth/login', { json: { email, password: attempted } }),
      401,
      'invalid_credentials',
    );
    const user = await account(email);
    const answer = await target.send('GET', `/admin/audit?userId=${user.id}&type=login.failure`, {
      headers: bearer(admin.accessToken),
    });
    const events = (answer.json() as { events: { data: Record<string, unknown> }[] }).events;
    assert.deepEqual(
      events.map((event) => event.data.reason),
      ['bad_password'],
    );
    assert.ok(!answer.body.includes(attempted) && !answer.body.includes(PASSWORD));
  });
});
