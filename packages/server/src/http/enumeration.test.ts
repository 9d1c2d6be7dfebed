import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { requestReset } from '../testing/reset-test-support.ts';
import { PASSWORD, register } from '../testing/index.ts';
import {
  attemptLogin,
  comparable,
  createThrottledServer,
  WRONG_PASSWORD,
} from '../testing/throttle-test-support.ts';

/**
 * Whether an account exists must not show in any answer: status, body and the whole header set
 * (but date and request id) are compared, with the real throttles in the path.
 */

beforeEach(() => mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 0, 1) }));
afterEach(() => mock.timers.reset());

async function withAccounts() {
  const server = createThrottledServer();
  await register(server.app, 'known@example.com');
  await register(server.app, 'suspended@example.com');
  const suspended = await server.store.users.getByEmail('suspended@example.com');
  await server.store.users.update(suspended!.id, { status: 'suspended' });
  return server;
}

function assertAllAlike(answers: Record<string, ReturnType<typeof comparable>>, reference: string) {
  for (const [name, answer] of Object.entries(answers)) {
    assert.deepEqual(answer, answers[reference], `${name} differs from ${reference}`);
  }
}

describe('account enumeration', () => {
  it('login: unknown user, wrong password and suspended account answer alike', async () => {
    const { app } = await withAccounts();
    const answers = {
      unknown: comparable(await attemptLogin(app, 'nobody@example.com', PASSWORD)),
      wrongPassword: comparable(await attemptLogin(app, 'known@example.com', WRONG_PASSWORD)),
      suspended: comparable(await attemptLogin(app, 'suspended@example.com', PASSWORD)),
    };
    assert.equal(answers.unknown.status, 401);
    assert.equal(answers.unknown.body, '{"error":"invalid_credentials"}');
    assertAllAlike(answers, 'unknown');
  });

  it('login: once throttled, the three answer alike too', async () => {
    const { app } = await withAccounts();
    const lockOut = async (email: string, password: string) => {
      for (let attempt = 0; attempt < 6; attempt++) await attemptLogin(app, email, password);
      return comparable(await attemptLogin(app, email, password));
    };
    const answers = {
      unknown: await lockOut('nobody@example.com', PASSWORD),
      wrongPassword: await lockOut('known@example.com', WRONG_PASSWORD),
      suspended: await lockOut('suspended@example.com', PASSWORD),
    };
    assert.equal(answers.unknown.status, 429);
    assert.equal(answers.unknown.headers['retry-after'], '1');
    assertAllAlike(answers, 'unknown');
  });

  it('register: a new and a taken email answer alike', async () => {
    const { app } = await withAccounts();
    const answers = {
      fresh: comparable(await register(app, 'fresh@example.com')),
      taken: comparable(await register(app, 'known@example.com')),
      takenOtherCase: comparable(await register(app, 'KNOWN@example.com')),
      suspended: comparable(await register(app, 'suspended@example.com')),
    };
    assert.equal(answers.fresh.status, 202);
    assert.equal(answers.fresh.body, '{"status":"ok"}');
    assertAllAlike(answers, 'fresh');
  });

  it('reset request: known, unknown and suspended accounts answer alike', async () => {
    const { app } = await withAccounts();
    const answers = {
      known: comparable(await requestReset(app, 'known@example.com')),
      unknown: comparable(await requestReset(app, 'nobody@example.com')),
      suspended: comparable(await requestReset(app, 'suspended@example.com')),
    };
    assert.equal(answers.known.status, 202);
    assert.equal(answers.known.body, '{"status":"ok"}');
    assertAllAlike(answers, 'known');
  });

  it('reset request: once throttled per account, known and unknown answer alike', async () => {
    const { app } = await withAccounts();
    const exhaust = async (target: FastifyInstance, email: string) => {
      for (let attempt = 0; attempt < 5; attempt++) await requestReset(target, email);
      return comparable(await requestReset(target, email));
    };
    const known = await exhaust(app, 'known@example.com');
    const unknown = await exhaust(app, 'nobody@example.com');
    assert.equal(known.status, 429);
    assert.deepEqual(unknown, known);
  });
});
