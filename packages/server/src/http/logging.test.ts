import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SESSION_COOKIE } from './auth/session-cookie.ts';
import { createTestServer, login, PASSWORD, register, sameOriginHeaders } from './test-support.ts';

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
    assert.ok(lines.length > 10, 'requests were logged');
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
});
