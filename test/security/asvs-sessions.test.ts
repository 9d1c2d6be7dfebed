/**
 * OWASP ASVS 5 V7 (session management) and the OWASP Session Management cheat sheet, attacked over
 * real sockets: where the session token may come from, what a forged or replayed one gets, and
 * that revocation (logout, suspension, deletion, privilege change) is server-side and immediate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertAlive,
  assertInvalidToken,
  assertNoCredentials,
  bearer,
  type HttpAnswer,
  loginWithCookie,
  me,
  newAdmin,
  newCookieUser,
  SESSION_COOKIE,
  type SecurityServer,
  sameOrigin,
  startSecurityServer,
} from './support.ts';

/** The refused cookie is deleted in the browser, with the attributes a `__Host-` cookie needs. */
function assertClearsSessionCookie(answer: HttpAnswer): void {
  const cleared = (answer.headers['set-cookie'] ?? []).find((header) =>
    header.startsWith(`${SESSION_COOKIE}=;`),
  );
  assert.ok(cleared, 'the session cookie is cleared');
  assert.match(cleared, /Max-Age=0/);
  assert.match(cleared, /Path=\//);
  assert.match(cleared, /Secure/);
  assert.doesNotMatch(cleared, /Domain=/i);
}

function assertSetsNoCookie(answer: HttpAnswer): void {
  assert.equal(answer.headers['set-cookie'], undefined);
}

describe('ASVS V7: where a session token is accepted from', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  it('ignores an unprefixed gh_session cookie holding a live token (cookie tossing from a sibling domain)', async () => {
    const victim = await newCookieUser(target);
    const answer = await me(target, { cookie: `gh_session=${victim.token}` });
    assertNoCredentials(answer);
    assertSetsNoCookie(answer);
  });

  it('ignores the live token under the wrong prefix (__Secure-gh_session)', async () => {
    const victim = await newCookieUser(target);
    const answer = await me(target, { cookie: `__Secure-gh_session=${victim.token}` });
    assertNoCredentials(answer);
    assertSetsNoCookie(answer);
  });

  it('treats cookie names as case-sensitive: __host-gh_session is not the session cookie', async () => {
    const victim = await newCookieUser(target);
    assertNoCredentials(await me(target, { cookie: `__host-gh_session=${victim.token}` }));
  });

  it('never reads a session token from the URL (?session=, ?__Host-gh_session=)', async () => {
    const victim = await newCookieUser(target);
    for (const name of ['session', SESSION_COOKIE, 'sid', 'token']) {
      const answer = await target.send('GET', `/auth/me?${name}=${encodeURIComponent(victim.token)}`);
      assertNoCredentials(answer);
    }
  });

  it('never reads a session token from another header (X-Session-Token, Authorization: Session)', async () => {
    const victim = await newCookieUser(target);
    const attempts: Record<string, string>[] = [
      { 'x-session-token': victim.token },
      { authorization: `Session ${victim.token}` },
      { authorization: `Basic ${Buffer.from(`x:${victim.token}`).toString('base64')}` },
    ];
    for (const headers of attempts) {
      // Schemes Gatehouse does not take count as no credentials (RFC 6750 §3.1).
      assertNoCredentials(await me(target, headers));
    }
  });

  it('takes only the first of duplicate session cookies: a forged one first is refused, never skipped', async () => {
    const victim = await newCookieUser(target);
    const forged = `${victim.sessionId}.${'A'.repeat(43)}`;
    const answer = await me(target, { cookie: `${SESSION_COOKIE}=${forged}; ${victim.cookie}` });
    assertInvalidToken(answer);
    assertClearsSessionCookie(answer);
    const split = await target.send('GET', '/auth/me', {
      headers: [
        ['cookie', `${SESSION_COOKIE}=${forged}`],
        ['cookie', victim.cookie],
      ],
    });
    assertInvalidToken(split);
  });
});

describe('ASVS V7: forged and mangled session tokens', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  it('refuses the public id half alone (the id is not the secret)', async () => {
    const victim = await newCookieUser(target);
    const answer = await me(target, { cookie: `${SESSION_COOKIE}=${victim.sessionId}` });
    assertInvalidToken(answer);
    assertClearsSessionCookie(answer);
    await assertAlive(target, { cookie: victim.cookie });
  });

  it("refuses one session's id with another session's secret, even of the same user", async () => {
    const first = await newCookieUser(target);
    const second = await loginWithCookie(target, first.email);
    const [, secret] = second.token.split('.');
    const answer = await me(target, { cookie: `${SESSION_COOKIE}=${first.sessionId}.${secret}` });
    assertInvalidToken(answer);
    await assertAlive(target, { cookie: first.cookie });
    await assertAlive(target, { cookie: second.cookie });
  });

  it('refuses a live token with anything appended or prepended', async () => {
    const victim = await newCookieUser(target);
    for (const value of [`${victim.token}.x`, `${victim.token}A`, `A${victim.token}`, `${victim.token}%00`]) {
      assertInvalidToken(await me(target, { cookie: `${SESSION_COOKIE}=${value}` }));
    }
    await assertAlive(target, { cookie: victim.cookie });
  });
});

describe('ASVS V7: revocation is server-side and immediate', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer();
  });
  after(() => target.close());

  it('leaves the cookie dead after logout races 20 concurrent requests, with no 5xx', async () => {
    const victim = await newCookieUser(target);
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () => me(target, { cookie: victim.cookie })),
      target.send('POST', '/auth/logout', { headers: sameOrigin(victim) }),
      ...Array.from({ length: 10 }, () => me(target, { cookie: victim.cookie })),
    ]);
    for (const answer of answers) assert.ok([200, 204, 401].includes(answer.status), String(answer.status));
    assert.equal(answers[10]?.status, 204);
    assertInvalidToken(await me(target, { cookie: victim.cookie }));
  });

  it('answers two simultaneous logouts of one session without a 5xx, and the session stays dead', async () => {
    const victim = await newCookieUser(target);
    const answers = await Promise.all([
      target.send('POST', '/auth/logout', { headers: sameOrigin(victim) }),
      target.send('POST', '/auth/logout', { headers: sameOrigin(victim) }),
    ]);
    assert.ok(answers.some((answer) => answer.status === 204));
    for (const answer of answers) assert.ok([204, 401].includes(answer.status), answer.body);
    assertInvalidToken(await me(target, { cookie: victim.cookie }));
  });

  it('refuses the cookie of an account an admin suspended, at the next request', async () => {
    const admin = await newAdmin(target);
    const victim = await newCookieUser(target);
    const suspended = await target.send('POST', `/admin/users/${victim.userId}/suspend`, {
      headers: bearer(admin.accessToken),
    });
    assert.equal(suspended.status, 200);
    const answer = await me(target, { cookie: victim.cookie });
    assertInvalidToken(answer);
    assertClearsSessionCookie(answer);
  });

  it('refuses the cookie of a deleted account, even after the email is registered again', async () => {
    const admin = await newAdmin(target);
    const victim = await newCookieUser(target);
    const deleted = await target.send('DELETE', `/admin/users/${victim.userId}`, {
      headers: bearer(admin.accessToken),
    });
    assert.equal(deleted.status, 204);
    const again = await target.send('POST', '/auth/register', {
      json: { email: victim.email, password: 'a different long passphrase' },
    });
    assert.equal(again.status, 202);
    assertInvalidToken(await me(target, { cookie: victim.cookie }));
  });

  it('mints a new session id on privilege change: the old cookie dies, the new login gets a new id', async () => {
    const admin = await newAdmin(target);
    const promoted = await newCookieUser(target);
    const changed = await target.send('POST', `/admin/users/${promoted.userId}/roles`, {
      headers: bearer(admin.accessToken),
      json: { roles: ['admin'] },
    });
    assert.equal(changed.status, 200);
    assertInvalidToken(await me(target, { cookie: promoted.cookie }));
    const next = await loginWithCookie(target, promoted.email);
    assert.notEqual(next.sessionId, promoted.sessionId);
    const asAdmin = await target.send('GET', '/admin/users', { headers: { cookie: next.cookie } });
    assert.equal(asAdmin.status, 200);
  });

  it("shows an admin a user's sessions without any secret", async () => {
    const admin = await newAdmin(target);
    const victim = await newCookieUser(target);
    const answer = await target.send('GET', `/admin/users/${victim.userId}/sessions`, {
      headers: bearer(admin.accessToken),
    });
    assert.equal(answer.status, 200);
    const [, secret] = victim.token.split('.');
    assert.ok(!answer.body.includes(secret!), 'no secret half');
    assert.ok(!/secretHash|secret_hash/.test(answer.body));
    assert.deepEqual(
      (answer.json().sessions as { id: string }[]).map((session) => session.id),
      [victim.sessionId],
    );
  });
});
