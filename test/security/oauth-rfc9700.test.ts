/**
 * RFC 9700 (OAuth 2.0 Security BCP) §2.2.2 and §4.14 (refresh token protection: rotation with
 * reuse detection, sender-constraining by strategy), RFC 6749 §10.4, RFC 7662 §4 (introspection
 * needs authorization), against a real server with a zero grace window so that every replay is
 * theft.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertError,
  assertInvalidToken,
  assertNoCredentials,
  bearer,
  type HttpAnswer,
  me,
  newAdmin,
  newTokenUser,
  ORIGIN,
  REFRESH_COOKIE,
  type SecurityServer,
  setCookieValue,
  startSecurityServer,
  type TokenLogin,
} from './support.ts';

const SERVICE_TOKEN = 'svc-0123456789abcdefghijklmnopqrstuvwxyz';

function refreshByBody(target: SecurityServer, refreshToken: string): Promise<HttpAnswer> {
  return target.send('POST', '/auth/refresh', { json: { refreshToken } });
}

function refreshByCookie(
  target: SecurityServer,
  login: TokenLogin,
  refreshToken: string,
): Promise<HttpAnswer> {
  return target.send('POST', '/auth/refresh', {
    headers: {
      cookie: `${REFRESH_COOKIE}=${refreshToken}`,
      'x-csrf-token': login.csrfToken!,
      origin: ORIGIN,
      'sec-fetch-site': 'same-origin',
    },
  });
}

describe('RFC 9700 §4.14: refresh token rotation and reuse detection', () => {
  let target: SecurityServer;
  let admin: TokenLogin;
  before(async () => {
    target = await startSecurityServer(['--refresh-grace-seconds', '0', '--service-token', SERVICE_TOKEN]);
    admin = await newAdmin(target);
  });
  after(() => target.close());

  it('token strategy: a replayed refresh token kills the whole family and its access tokens, and is audited', async () => {
    const victim = await newTokenUser(target);
    const rotated = await refreshByBody(target, victim.refreshToken);
    assert.equal(rotated.status, 200);
    const { refreshToken: successor, accessToken } = rotated.json() as {
      refreshToken: string;
      accessToken: string;
    };

    // The legitimate client uses its successor; the old token shows up afterwards: two parties hold it.
    const onward = await refreshByBody(target, successor);
    assert.equal(onward.status, 200);
    const latest = (onward.json() as { refreshToken: string }).refreshToken;
    assertError(await refreshByBody(target, victim.refreshToken), 400, 'invalid_grant');
    assertError(await refreshByBody(target, successor), 400, 'invalid_grant');
    assertError(await refreshByBody(target, latest), 400, 'invalid_grant');
    assertInvalidToken(await me(target, bearer(accessToken)));
    assertInvalidToken(await me(target, bearer(victim.accessToken)));
    const audit = await target.send(
      'GET',
      `/admin/audit?userId=${victim.userId}&type=refresh.reuse_detected`,
      {
        headers: bearer(admin.accessToken),
      },
    );
    const events = (audit.json() as { events: { sessionId: string }[] }).events;
    assert.deepEqual(
      events.map((event) => event.sessionId),
      [victim.sessionId],
    );
  });

  it('hybrid: replaying an old refresh cookie kills the family, and clears the cookie', async () => {
    const victim = await newTokenUser(target, 'hybrid');
    const rotated = await refreshByCookie(target, victim, victim.refreshToken);
    assert.equal(rotated.status, 200);
    const successor = setCookieValue(rotated, REFRESH_COOKIE);
    assert.ok(successor);
    const onward = await refreshByCookie(target, victim, successor);
    assert.equal(onward.status, 200, 'the successor is used');
    const latest = setCookieValue(onward, REFRESH_COOKIE);
    assert.ok(latest);

    const replay = await refreshByCookie(target, victim, victim.refreshToken);
    assertError(replay, 400, 'invalid_grant');
    assert.equal(setCookieValue(replay, REFRESH_COOKIE), '', 'the cookie is cleared');
    assertError(await refreshByCookie(target, victim, latest), 400, 'invalid_grant');
    assertInvalidToken(await me(target, bearer((rotated.json() as { accessToken: string }).accessToken)));
  });

  it('leaves no live credential when a refresh races a logout', async () => {
    const victim = await newTokenUser(target);
    const [refreshed, loggedOut] = await Promise.all([
      refreshByBody(target, victim.refreshToken),
      target.send('POST', '/auth/logout', { headers: bearer(victim.accessToken) }),
    ]);
    assert.ok([200, 400].includes(refreshed.status), refreshed.body);
    assert.ok([204, 401].includes(loggedOut.status), loggedOut.body);
    if (refreshed.status === 200) {
      const { accessToken, refreshToken } = refreshed.json() as { accessToken: string; refreshToken: string };
      if (loggedOut.status === 204) {
        assertInvalidToken(await me(target, bearer(accessToken)));
        assertError(await refreshByBody(target, refreshToken), 400, 'invalid_grant');
      }
    }
    assertInvalidToken(await me(target, bearer(victim.accessToken)));
    assertError(await refreshByBody(target, victim.refreshToken), 400, 'invalid_grant');
  });

  it('never reads a refresh token from the query string, and does not spend it', async () => {
    const victim = await newTokenUser(target);
    for (const name of ['refreshToken', 'refresh_token']) {
      const answer = await target.send(
        'POST',
        `/auth/refresh?${name}=${encodeURIComponent(victim.refreshToken)}`,
      );
      assertError(answer, 400, 'invalid_grant');
    }
    assert.equal((await refreshByBody(target, victim.refreshToken)).status, 200, 'still unspent');
  });

  it('does not take a refresh token as a Bearer credential at the token endpoint, and does not spend it', async () => {
    const victim = await newTokenUser(target);
    const answer = await target.send('POST', '/auth/refresh', { headers: bearer(victim.refreshToken) });
    assertError(answer, 400, 'invalid_grant');
    assert.equal((await refreshByBody(target, victim.refreshToken)).status, 200, 'still unspent');
  });

  it('lets the body decide when a body token and a hybrid cookie come together, leaving the cookie unspent', async () => {
    const bodyUser = await newTokenUser(target, 'token');
    const cookieUser = await newTokenUser(target, 'hybrid');
    const answer = await target.send('POST', '/auth/refresh', {
      headers: {
        cookie: `${REFRESH_COOKIE}=${cookieUser.refreshToken}`,
        'x-csrf-token': cookieUser.csrfToken!,
      },
      json: { refreshToken: bodyUser.refreshToken },
    });
    assert.equal(answer.status, 200);
    const refreshed = await me(target, bearer((answer.json() as { accessToken: string }).accessToken));
    assert.equal((refreshed.json() as { user: { id: string } }).user.id, bodyUser.userId);
    assert.equal(setCookieValue(answer, REFRESH_COOKIE), undefined, 'no cookie touched');
    assert.equal((await refreshByCookie(target, cookieUser, cookieUser.refreshToken)).status, 200);
  });

  it('keeps a refresh family dead after suspension, even once the account is unsuspended', async () => {
    const victim = await newTokenUser(target);
    const headers = bearer(admin.accessToken);
    assert.equal(
      (await target.send('POST', `/admin/users/${victim.userId}/suspend`, { headers })).status,
      200,
    );
    assertError(await refreshByBody(target, victim.refreshToken), 400, 'invalid_grant');
    assert.equal(
      (await target.send('POST', `/admin/users/${victim.userId}/unsuspend`, { headers })).status,
      200,
    );
    assertError(await refreshByBody(target, victim.refreshToken), 400, 'invalid_grant');
  });

  it('refuses the refresh token of a deleted account', async () => {
    const victim = await newTokenUser(target);
    const deleted = await target.send('DELETE', `/admin/users/${victim.userId}`, {
      headers: bearer(admin.accessToken),
    });
    assert.equal(deleted.status, 204);
    assertError(await refreshByBody(target, victim.refreshToken), 400, 'invalid_grant');
  });
});

describe('RFC 7662 §4: introspection is for authorized services only', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer(['--service-token', SERVICE_TOKEN]);
  });
  after(() => target.close());

  it('refuses a caller without the service credential, or with a user’s access token as one', async () => {
    const user = await newTokenUser(target);
    for (const headers of [
      {},
      bearer(user.accessToken),
      bearer(`${SERVICE_TOKEN}x`),
      bearer(SERVICE_TOKEN.slice(1)),
    ]) {
      const answer = await target.send('POST', '/oauth/introspect', {
        headers,
        json: { token: user.accessToken },
      });
      if (Object.keys(headers).length === 0) assertNoCredentials(answer);
      else assertInvalidToken(answer);
    }
    const authorized = await target.send('POST', '/oauth/introspect', {
      headers: bearer(SERVICE_TOKEN),
      json: { token: user.accessToken },
    });
    assert.equal(authorized.status, 200);
    assert.equal((authorized.json() as { active: boolean }).active, true);
  });

  it('answers only {active: false} for a revoked token, with nothing about whose it was', async () => {
    const user = await newTokenUser(target);
    assert.equal(
      (await target.send('POST', '/auth/logout', { headers: bearer(user.accessToken) })).status,
      204,
    );
    const answer = await target.send('POST', '/oauth/introspect', {
      headers: bearer(SERVICE_TOKEN),
      json: { token: user.accessToken },
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, '{"active":false}');
  });
});
