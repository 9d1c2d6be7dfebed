import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountThrottleKey } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { confirmReset, requestReset, resetTokenFor } from '../testing/reset-test-support.ts';
import {
  assertInvalidToken,
  bearer,
  createTestServer,
  login,
  loginWithTokens,
  MINUTE_MS,
  PASSWORD,
  RESET_URL,
  register,
  sameOriginHeaders,
} from '../testing/index.ts';
import { attemptLogin } from '../testing/throttle-test-support.ts';

const NEW_PASSWORD = 'a brand new passphrase here';

function assertInvalidResetToken(response: { statusCode: number; json(): unknown }) {
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json(), { error: 'invalid_reset_token' });
}

function assertInvalidPassword(response: { statusCode: number; json(): unknown }) {
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json(), { error: 'invalid_password' });
}

async function registeredWithToken(
  app: FastifyInstance,
  outbox: ReturnType<typeof createTestServer>['outbox'],
  email: string,
) {
  assert.equal((await register(app, email)).statusCode, 202);
  assert.equal((await requestReset(app, email)).statusCode, 202);
  return resetTokenFor(outbox, email);
}

describe('POST /auth/password/reset/request', () => {
  it('answers 202 {status: "ok"} for any email, and mails a link only to an active account', async () => {
    const { app, outbox, store } = createTestServer();
    await register(app, 'known@example.com');
    await register(app, 'suspended@example.com');
    const suspended = await store.users.getByEmail('suspended@example.com');
    await store.users.update(suspended!.id, { status: 'suspended' });

    for (const email of [
      'known@example.com',
      'Known@Example.com ',
      'nobody@example.com',
      'suspended@example.com',
    ]) {
      const response = await requestReset(app, email);
      assert.equal(response.statusCode, 202, email);
      assert.deepEqual(response.json(), { status: 'ok' });
      assert.equal(response.headers['cache-control'], 'no-store');
    }
    const messages = outbox.messages();
    assert.deepEqual(
      messages.map((message) => message.to),
      ['known@example.com', 'known@example.com'],
    );
    assert.equal(messages[0]!.subject, 'Reset your password');
  });

  it('puts a 256-bit token in the fragment of the configured URL, and stores only its hash', async () => {
    const { app, outbox, store } = createTestServer();
    const token = await registeredWithToken(app, outbox, 'link@example.com');
    assert.ok(outbox.messages()[0]!.text.includes(`${RESET_URL}${token}`));
    assert.ok(new URL(`${RESET_URL}${token}`).hash.includes(token), 'in the fragment');
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    // The store has the hash: consuming by the raw token finds nothing.
    assert.equal(await store.resetTokens.consume(token, Date.now()), null);
  });

  it('audits every request, naming an unknown email only by its hash', async () => {
    const { app, store, clock } = createTestServer();
    await register(app, 'audit-me@example.com');
    const user = await store.users.getByEmail('audit-me@example.com');
    await requestReset(app, 'audit-me@example.com');
    clock.advance(1);
    await requestReset(app, 'stranger@example.com');
    const events = await store.audit.query({ type: 'password.reset_requested', limit: 10 });
    assert.deepEqual(
      events.map((event) => [event.subjectId, event.data]),
      [
        [null, { sent: false, emailHash: accountThrottleKey('stranger@example.com') }],
        [user!.id, { sent: true }],
      ],
    );
    assert.ok(!JSON.stringify(events).includes('stranger@example.com'));
  });

  it('refuses a malformed email, a non-object body and a form body, sending nothing', async () => {
    const { app, outbox } = createTestServer();
    for (const email of ['not-an-email', 42, null, '', 'a@b']) {
      const response = await requestReset(app, email);
      assert.equal(response.statusCode, 400, String(email));
      assert.deepEqual(response.json(), { error: 'invalid_request' });
    }
    const array = await app.inject({ method: 'POST', url: '/auth/password/reset/request', payload: [1] });
    assert.equal(array.statusCode, 400);
    assert.deepEqual(array.json(), { error: 'invalid_request' });
    const form = await app.inject({
      method: 'POST',
      url: '/auth/password/reset/request',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=known%40example.com',
    });
    assert.equal(form.statusCode, 415);
    assert.deepEqual(form.json(), { error: 'unsupported_media_type' });
    assert.deepEqual(outbox.messages(), []);
  });

  it('refuses a cross-site request (403 csrf)', async () => {
    const { app, outbox } = createTestServer();
    await register(app, 'victim@example.com');
    const crossSite: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
    ];
    for (const headers of crossSite) {
      const response = await requestReset(app, 'victim@example.com', headers);
      assert.equal(response.statusCode, 403);
      assert.deepEqual(response.json(), { error: 'csrf' });
    }
    assert.deepEqual(outbox.messages(), []);
  });

  it('never writes the token or the link into the logs', async () => {
    const lines: string[] = [];
    const { app, outbox } = createTestServer({
      logger: { level: 'trace', stream: { write: (line) => lines.push(line) } },
    });
    const token = await registeredWithToken(app, outbox, 'quiet@example.com');
    await confirmReset(app, { token, newPassword: NEW_PASSWORD });
    await confirmReset(app, { token, newPassword: NEW_PASSWORD });
    const logged = lines.join('\n');
    assert.ok(lines.length > 0);
    assert.ok(!logged.includes(token), 'token');
    assert.ok(!logged.includes(NEW_PASSWORD), 'password');
  });
});

describe('POST /auth/password/reset/confirm', () => {
  it('sets the new password, ends every session of every strategy, publishes the revocations', async () => {
    const { app, outbox, store, feed, clock } = createTestServer();
    await register(app, 'reset@example.com');
    const cookie = await login(app, 'reset@example.com');
    const token = await loginWithTokens(app, 'reset@example.com', 'token');
    const before = await store.users.getByEmail('reset@example.com');
    clock.advance(MINUTE_MS);
    await requestReset(app, 'reset@example.com');

    const response = await confirmReset(app, {
      token: resetTokenFor(outbox, 'reset@example.com'),
      newPassword: NEW_PASSWORD,
    });
    assert.equal(response.statusCode, 204);
    assert.equal(response.body, '');
    assert.equal(response.headers['cache-control'], 'no-store');

    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: { cookie: cookie.cookie } }),
    );
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(token.accessToken) }),
    );
    // One `user` event for every session of the account (issue 10).
    const revoked = (await feed.snapshot()).events.filter((event) => event.type === 'user');
    assert.deepEqual(
      revoked.map((event) => (event.type === 'user' ? event.sub : '')),
      [before!.id],
    );

    const after = await store.users.getByEmail('reset@example.com');
    assert.equal(after!.passwordChangedAt, clock.now());
    assert.ok(after!.passwordChangedAt > before!.passwordChangedAt);
    assert.equal((await attemptLogin(app, 'reset@example.com', PASSWORD)).statusCode, 401);
    await login(app, 'reset@example.com', NEW_PASSWORD);

    const audit = await store.audit.query({ type: 'password.reset_completed', limit: 5 });
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.subjectId, after!.id);
  });

  it('is single use: the same token again is 400 invalid_reset_token', async () => {
    const { app, outbox } = createTestServer();
    const token = await registeredWithToken(app, outbox, 'once@example.com');
    assert.equal((await confirmReset(app, { token, newPassword: NEW_PASSWORD })).statusCode, 204);
    assertInvalidResetToken(await confirmReset(app, { token, newPassword: 'yet another long passphrase' }));
    await login(app, 'once@example.com', NEW_PASSWORD);
  });

  it('lets exactly one of 10 parallel confirmations of one token through', async () => {
    const { app, outbox } = createTestServer();
    const token = await registeredWithToken(app, outbox, 'race@example.com');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        confirmReset(app, { token, newPassword: `${NEW_PASSWORD} ${index}` }),
      ),
    );
    assert.equal(responses.filter((response) => response.statusCode === 204).length, 1);
    for (const response of responses.filter((candidate) => candidate.statusCode !== 204))
      assertInvalidResetToken(response);
  });

  it('refuses a token once its 15 minutes are over', async () => {
    const { app, outbox, clock } = createTestServer();
    const token = await registeredWithToken(app, outbox, 'late@example.com');
    clock.advance(15 * MINUTE_MS);
    assertInvalidResetToken(await confirmReset(app, { token, newPassword: NEW_PASSWORD }));
    await login(app, 'late@example.com');
  });

  it('accepts a token just inside its 15 minutes', async () => {
    const { app, outbox, clock } = createTestServer();
    const token = await registeredWithToken(app, outbox, 'in-time@example.com');
    clock.advance(15 * MINUTE_MS - 1);
    assert.equal((await confirmReset(app, { token, newPassword: NEW_PASSWORD })).statusCode, 204);
  });

  it('invalidates an older token when a newer one is requested', async () => {
    const { app, outbox } = createTestServer();
    const older = await registeredWithToken(app, outbox, 'twice@example.com');
    await requestReset(app, 'twice@example.com');
    const newer = resetTokenFor(outbox, 'twice@example.com');
    assert.notEqual(newer, older);
    assertInvalidResetToken(await confirmReset(app, { token: older, newPassword: NEW_PASSWORD }));
    assert.equal((await confirmReset(app, { token: newer, newPassword: NEW_PASSWORD })).statusCode, 204);
  });

  it('refuses malformed and unknown tokens with the same 400', async () => {
    const { app } = createTestServer();
    for (const token of [
      undefined,
      null,
      42,
      '',
      'short',
      'x'.repeat(43).replace(/x/, '!'),
      'A'.repeat(44),
      'A'.repeat(43),
    ]) {
      assertInvalidResetToken(await confirmReset(app, { token, newPassword: NEW_PASSWORD }));
    }
  });

  it('checks the new password first: a weak or common one is refused and the token survives', async () => {
    const { app, outbox } = createTestServer();
    const token = await registeredWithToken(app, outbox, 'policy@example.com');
    for (const newPassword of [
      'too short',
      'p'.repeat(129),
      42,
      undefined,
      'Password1234',
      'QWERTYUIOP123',
    ]) {
      assertInvalidPassword(await confirmReset(app, { token, newPassword }));
    }
    assert.equal((await confirmReset(app, { token, newPassword: NEW_PASSWORD })).statusCode, 204);
  });

  it('refuses the token of an account suspended or deleted since the request', async () => {
    const { app, outbox, store } = createTestServer();
    const suspendedToken = await registeredWithToken(app, outbox, 'later-suspended@example.com');
    const user = await store.users.getByEmail('later-suspended@example.com');
    await store.users.update(user!.id, { status: 'suspended' });
    assertInvalidResetToken(await confirmReset(app, { token: suspendedToken, newPassword: NEW_PASSWORD }));

    const deletedToken = await registeredWithToken(app, outbox, 'later-deleted@example.com');
    await store.users.delete((await store.users.getByEmail('later-deleted@example.com'))!.id);
    assertInvalidResetToken(await confirmReset(app, { token: deletedToken, newPassword: NEW_PASSWORD }));
  });

  it('refuses a token asked for before a password change', async () => {
    const { app, outbox } = createTestServer();
    const token = await registeredWithToken(app, outbox, 'changed@example.com');
    const session = await login(app, 'changed@example.com');
    const changed = await app.inject({
      method: 'POST',
      url: '/auth/password/change',
      headers: sameOriginHeaders(session),
      payload: { currentPassword: PASSWORD, newPassword: 'changed the other way round' },
    });
    assert.equal(changed.statusCode, 204);
    assertInvalidResetToken(await confirmReset(app, { token, newPassword: NEW_PASSWORD }));
  });

  it('refuses a cross-site confirmation (403 csrf) without spending the token', async () => {
    const { app, outbox } = createTestServer();
    const token = await registeredWithToken(app, outbox, 'framed@example.com');
    const response = await confirmReset(
      app,
      { token, newPassword: NEW_PASSWORD },
      { 'sec-fetch-site': 'cross-site' },
    );
    assert.equal(response.statusCode, 403);
    assert.deepEqual(response.json(), { error: 'csrf' });
    assert.equal((await confirmReset(app, { token, newPassword: NEW_PASSWORD })).statusCode, 204);
  });
});

describe('common passwords', () => {
  it('are refused at register, change and reset confirm, whatever their case', async () => {
    const { app, outbox } = createTestServer();
    for (const password of ['password1234', 'PassWord1234', 'iloveyou2024!']) {
      assertInvalidPassword(await register(app, 'common@example.com', password));
    }
    const session = await (async () => {
      await register(app, 'user@example.com');
      return login(app, 'user@example.com');
    })();
    const change = await app.inject({
      method: 'POST',
      url: '/auth/password/change',
      headers: sameOriginHeaders(session),
      payload: { currentPassword: PASSWORD, newPassword: 'Qwertyuiop123' },
    });
    assertInvalidPassword(change);
    await requestReset(app, 'user@example.com');
    const token = resetTokenFor(outbox, 'user@example.com');
    assertInvalidPassword(await confirmReset(app, { token, newPassword: 'Welcome2025!' }));
  });
});
