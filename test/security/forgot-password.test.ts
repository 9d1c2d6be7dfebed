/**
 * The OWASP Forgot Password cheat sheet against a real server with the in-memory outbox mailer:
 * the emailed link is built from configuration, never from the request, and the reset token is
 * good for exactly one thing, presented one way. (Throttling, enumeration and token lifetime are
 * covered in packages/server/src/http/password-reset.test.ts and enumeration-timing.test.ts.)
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import {
  assertError,
  assertInvalidToken,
  bearer,
  me,
  newCookieUser,
  ORIGIN,
  PASSWORD,
  REFRESH_COOKIE,
  type SecurityServer,
  SESSION_COOKIE,
  startSecurityServer,
} from './support.ts';

const RESET_URL = 'https://app.example/reset#token=';
const NEW_PASSWORD = 'a brand new long passphrase';

describe('OWASP Forgot Password: the reset link and token', () => {
  let target: SecurityServer;
  before(async () => {
    target = await startSecurityServer(['--mailer', 'outbox', '--reset-url', RESET_URL]);
  });
  after(() => target.close());

  /** Asks for a reset (with any extra headers) and returns the link mailed to `email`. */
  async function requestReset(email: string, headers: Record<string, string> = {}): Promise<string> {
    const outbox = target.server.outbox;
    assert.ok(outbox, 'the outbox mailer is configured');
    outbox.clear();
    const answer = await target.send('POST', '/auth/password/reset/request', { headers, json: { email } });
    assert.equal(answer.status, 202, answer.body);
    for (let waited = 0; waited < 2000; waited += 10) {
      const message = outbox.messages().find((each) => each.to === email);
      if (message) {
        const link = /https?:\/\/\S+/.exec(message.text)?.[0];
        assert.ok(link, 'a link in the mail');
        return link;
      }
      await sleep(10);
    }
    throw new Error('no reset mail arrived');
  }

  const tokenOf = (link: string) => link.slice(link.indexOf('#token=') + '#token='.length);

  it('builds the link from configuration, whatever Host and X-Forwarded-* say (reset poisoning)', async () => {
    const user = await newCookieUser(target);
    const link = await requestReset(user.email, {
      host: 'attacker.example',
      'x-forwarded-host': 'attacker.example',
      'x-forwarded-proto': 'http',
      'x-host': 'attacker.example',
      forwarded: 'host=attacker.example;proto=http',
    });
    assert.ok(link.startsWith(RESET_URL), link);
    assert.ok(!link.includes('attacker'));
  });

  it('does not take a reset token as a login credential of any kind', async () => {
    const user = await newCookieUser(target);
    const token = tokenOf(await requestReset(user.email));
    assertInvalidToken(await me(target, bearer(token)));
    assertInvalidToken(await me(target, { cookie: `${SESSION_COOKIE}=${token}` }));
    assertError(
      await target.send('POST', '/auth/refresh', { json: { refreshToken: token } }),
      400,
      'invalid_grant',
    );
    const refreshCookie = await target.send('POST', '/auth/refresh', {
      headers: { cookie: `${REFRESH_COOKIE}=${token}`, origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
    });
    assertError(refreshCookie, 400, 'invalid_grant');
    const confirmed = await target.send('POST', '/auth/password/reset/confirm', {
      json: { token, newPassword: NEW_PASSWORD },
    });
    assert.equal(confirmed.status, 204, 'none of that spent the token');
  });

  it('reads the token from the JSON body only, never from the query string', async () => {
    const user = await newCookieUser(target);
    const token = tokenOf(await requestReset(user.email));
    const inQuery = await target.send('POST', `/auth/password/reset/confirm?token=${token}`, {
      json: { newPassword: NEW_PASSWORD },
    });
    assertError(inQuery, 400, 'invalid_reset_token');
    const confirmed = await target.send('POST', '/auth/password/reset/confirm', {
      json: { token, newPassword: NEW_PASSWORD },
    });
    assert.equal(confirmed.status, 204);
  });

  it('does not sign the user in on reset: 204, no cookie, no token; the old password and session are dead', async () => {
    const user = await newCookieUser(target);
    const token = tokenOf(await requestReset(user.email));
    const confirmed = await target.send('POST', '/auth/password/reset/confirm', {
      json: { token, newPassword: NEW_PASSWORD },
    });
    assert.equal(confirmed.status, 204);
    assert.equal(confirmed.body, '');
    assert.equal(confirmed.headers['set-cookie'], undefined);
    assertInvalidToken(await me(target, { cookie: user.cookie }));
    assertError(
      await target.send('POST', '/auth/login', { json: { email: user.email, password: PASSWORD } }),
      401,
      'invalid_credentials',
    );
    const fresh = await target.send('POST', '/auth/login', {
      json: { email: user.email, password: NEW_PASSWORD },
    });
    assert.equal(fresh.status, 200);
  });
});
