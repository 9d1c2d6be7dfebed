import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OverloadedError } from '@gatehouse/core';
import { SESSION_COOKIE } from './auth/session-cookie.ts';
import {
  bearer,
  createTestServer,
  login,
  loginWithTokens,
  PASSWORD,
  refreshWithBody,
  refreshWithCookie,
  register,
  registerAndLogin,
  sameOriginHeaders,
} from '../testing/index.ts';

describe('logging', () => {
  it('never writes a password, session token, CSRF token or cookie to the log', async () => {
    const lines: string[] = [];
    const { app } = createTestServer({
      logger: { level: 'trace', stream: { write: (line) => lines.push(line) } },
    });
    await register(app, 'logged@example.com');
    const session = await login(app, 'logged@example.com');
    await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: session.cookie } });
    await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email: 'logged@example.com', password: 'wrong password here' },
    });
    await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie: session.cookie, 'x-csrf-token': 'bad' },
    });
    await app.inject({ method: 'POST', url: '/auth/logout', headers: sameOriginHeaders(session) });
    await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { cookie: session.cookie, authorization: 'Bearer abc.def.ghi' },
    });

    const log = lines.join('');
    assert.ok(lines.length >= 7, 'requests were logged');
    assert.ok(log.includes('"statusCode":403'), 'refusals are logged');
    for (const secret of [
      PASSWORD,
      'wrong password here',
      session.token,
      session.token.split('.')[1]!,
      session.csrfToken,
      SESSION_COOKIE,
      'abc.def.ghi',
    ]) {
      assert.ok(!log.includes(secret), `log contains ${secret.slice(0, 12)}…`);
    }
  });

  it('never writes an access token, refresh token or new password to the log, even from a query string', async () => {
    const lines: string[] = [];
    const { app } = createTestServer({
      logger: { level: 'trace', stream: { write: (line) => lines.push(line) } },
    });
    await register(app, 'tokens@example.com');
    const hybrid = await loginWithTokens(app, 'tokens@example.com', 'hybrid');
    const token = await loginWithTokens(app, 'tokens@example.com', 'token');
    const refreshedHybrid = await refreshWithCookie(app, hybrid.refreshToken, hybrid.csrfToken);
    const refreshedToken = await refreshWithBody(app, token.refreshToken);
    await refreshWithBody(app, hybrid.refreshToken);
    await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(hybrid.accessToken) });
    await app.inject({ method: 'GET', url: `/auth/me?access_token=${token.accessToken}` });
    const newPassword = 'the brand new passphrase';
    const changed = await app.inject({
      method: 'POST',
      url: '/auth/password/change',
      headers: bearer(token.accessToken),
      payload: { currentPassword: PASSWORD, newPassword },
    });
    await app.inject({ method: 'POST', url: '/oauth/revoke', payload: { token: hybrid.refreshToken } });

    const log = lines.join('');
    assert.ok(log.includes('?[redacted]'), 'the query string was replaced');
    for (const secret of [
      PASSWORD,
      newPassword,
      hybrid.accessToken,
      hybrid.accessToken.split('.')[2]!,
      hybrid.refreshToken,
      hybrid.csrfToken!,
      token.accessToken,
      token.refreshToken,
      refreshedHybrid.json().accessToken,
      refreshedToken.json().refreshToken,
      changed.json().refreshToken,
      changed.json().accessToken,
    ]) {
      assert.ok(!log.includes(secret), `log contains ${secret.slice(0, 12)}…`);
    }
  });
});

describe('one log line per request', () => {
  it('writes a single line per request at info, and a refusal’s line says why without any secret', async () => {
    const lines: string[] = [];
    const { app } = createTestServer({
      logger: { level: 'info', stream: { write: (line) => lines.push(line) } },
    });
    const session = await registerAndLogin(app, 'lines@example.com');
    lines.length = 0;
    // A cookie-authenticated logout with no Origin, Sec-Fetch-Site or Referer.
    const refused = await app.inject({
      method: 'POST',
      url: '/auth/logout',
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    });
    assert.equal(refused.statusCode, 403);
    const unknown = await app.inject({ method: 'GET', url: '/nowhere?token=abc' });
    assert.equal(unknown.statusCode, 404);
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: session.cookie } });
    assert.equal(me.statusCode, 200);

    const parsed = lines.map((line) => JSON.parse(line));
    assert.equal(parsed.length, 3, 'one line per request');
    const [csrf, notFound, ok] = parsed;
    assert.equal(csrf.level, 30);
    assert.equal(csrf.statusCode, 403);
    assert.deepEqual(csrf.refusal, {
      error: 'csrf',
      code: 'ERR_CSRF',
      reason: 'no Origin, Sec-Fetch-Site or Referer',
    });
    assert.match(csrf.msg, /^POST \/auth\/logout 403 csrf: no Origin, Sec-Fetch-Site or Referer$/);
    assert.equal(typeof csrf.reqId, 'string');
    assert.equal(typeof csrf.responseTime, 'number');
    assert.deepEqual(notFound.refusal, { error: 'not_found' });
    assert.equal(notFound.url, '/nowhere?[redacted]');
    assert.equal(ok.refusal, undefined);
    const log = lines.join('');
    for (const secret of [session.token, session.csrfToken, 'token=abc']) assert.ok(!log.includes(secret));
  });

  it('logs hashing at capacity as one warn line without a stack, and a store fault as an error with one', async () => {
    const lines: string[] = [];
    let failWith: Error | undefined;
    const { app } = createTestServer({
      logger: { level: 'trace', stream: { write: (line) => lines.push(line) } },
      wrapStore: (store) => ({
        ...store,
        users: {
          ...store.users,
          getByEmail: async (email: string) => {
            if (failWith) throw failWith;
            return store.users.getByEmail(email);
          },
        },
      }),
    });
    const attempt = async (error: Error, status: number) => {
      failWith = error;
      lines.length = 0;
      const answer = await app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'flood@example.com', password: PASSWORD },
      });
      assert.equal(answer.statusCode, status);
      return lines.map((line) => JSON.parse(line)).filter((line) => line.level >= 40);
    };

    const overloaded = await attempt(new OverloadedError(1), 503);
    assert.equal(overloaded.length, 1, 'only the request line');
    assert.equal(overloaded[0].level, 40);
    assert.equal(overloaded[0].refusal.code, 'ERR_OVERLOADED');
    assert.equal(overloaded[0].err, undefined);

    const fault = await attempt(new Error('store went away'), 500);
    assert.deepEqual(
      fault.map((line) => line.level),
      [50, 50],
      'the failure with its stack, then the request line',
    );
    assert.match(fault[0].err.stack, /store went away/);
  });
});
