import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestServer, login, PASSWORD, register } from '../testing/index.ts';

/** Headers that differ between any two responses whatever they say. */
const VARYING = new Set(['date', 'request-id', 'x-request-id']);

function comparable(response: LightMyRequestResponse) {
  const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !VARYING.has(name)));
  return { status: response.statusCode, body: response.body, headers };
}

async function attempt(app: ReturnType<typeof createTestServer>['app'], payload: unknown) {
  return app.inject({ method: 'POST', url: '/auth/login', payload: payload as Record<string, unknown> });
}

describe('login failures reveal nothing', () => {
  it('answers unknown user, wrong password and suspended account identically', async () => {
    const { app, store } = createTestServer();
    await register(app, 'known@example.com');
    await register(app, 'suspended@example.com');
    const suspended = await store.users.getByEmail('suspended@example.com');
    await store.users.update(suspended!.id, { status: 'suspended' });

    const unknown = await attempt(app, { email: 'nobody@example.com', password: PASSWORD });
    const wrong = await attempt(app, { email: 'known@example.com', password: 'not the right passphrase' });
    const blocked = await attempt(app, { email: 'suspended@example.com', password: PASSWORD });

    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(unknown.json(), { error: 'invalid_credentials' });
    assert.deepEqual(comparable(wrong), comparable(unknown));
    assert.deepEqual(comparable(blocked), comparable(unknown));
    assert.equal(unknown.headers['set-cookie'], undefined);
  });

  it('answers malformed credentials (wrong types, bad email) with the same 401', async () => {
    const { app, calls } = createTestServer();
    const reference = await attempt(app, { email: 'nobody@example.com', password: PASSWORD });
    const before = calls.hash + calls.verify;
    for (const payload of [
      { email: 42, password: PASSWORD },
      { email: 'nobody@example.com', password: 42 },
      { email: 'nobody@example.com' },
      { email: 'not-an-email', password: PASSWORD },
      { email: 'nobody@example.com', password: '' },
    ]) {
      const response = await attempt(app, payload);
      assert.deepEqual(comparable(response), comparable(reference), JSON.stringify(payload));
    }
    assert.equal(calls.hash + calls.verify, before, 'no hashing for credentials that cannot be right');
  });
});

describe('password length limits', () => {
  it('refuses a 100 KB password by the body limit (413) before any hashing', async () => {
    const { app, calls } = createTestServer();
    const huge = 'p'.repeat(100_000);
    for (const url of ['/auth/login', '/auth/register']) {
      const response = await app.inject({
        method: 'POST',
        url,
        payload: { email: 'big@example.com', password: huge },
      });
      assert.equal(response.statusCode, 413);
      assert.deepEqual(response.json(), { error: 'payload_too_large' });
    }
    assert.deepEqual(calls, { hash: 0, verify: 0 });
  });

  for (const length of [129, 10_000]) {
    it(`answers a ${length}-character password within the body limit without hashing it`, async () => {
      const { app, calls } = createTestServer();
      await register(app, 'long@example.com');
      const password = 'p'.repeat(length);
      const before = { ...calls };

      const loginResponse = await attempt(app, { email: 'long@example.com', password });
      assert.equal(loginResponse.statusCode, 401);
      assert.deepEqual(loginResponse.json(), { error: 'invalid_credentials' });

      const registerResponse = await register(app, 'other@example.com', password);
      assert.equal(registerResponse.statusCode, 400);
      assert.deepEqual(registerResponse.json(), { error: 'invalid_password' });

      assert.deepEqual(calls, before, 'the hasher was never called');
    });
  }

  it('accepts exactly 128 characters, with no truncation', async () => {
    const { app } = createTestServer();
    const password = `${'p'.repeat(127)}x`;
    assert.equal((await register(app, 'max@example.com', password)).statusCode, 202);
    await login(app, 'max@example.com', password);
    const truncated = await attempt(app, { email: 'max@example.com', password: 'p'.repeat(127) });
    assert.equal(truncated.statusCode, 401);
  });
});
