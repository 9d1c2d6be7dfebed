/**
 * Timing must not tell whether an account exists. A real server on a real socket, with the real
 * default Argon2id cost (m=19 MiB, t=2, p=1) and the real throttles in the path (relaxed so that
 * none refuses), answers each pair of cases alternately, 30 times each; the medians go to the
 * test output and must lie within 3x or 150 ms of each other, whichever is looser. A generous bound
 * on purpose: it catches a missing dummy hash (a whole Argon2 run, tens of ms, every time), not
 * scheduler noise. Status, body and headers (but date and request id) must match exactly.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import {
  createAccessTokens,
  createArgon2Hasher,
  createAuth,
  createCsrfTokens,
  createKeyring,
  defaultArgon2Params,
  defaultThrottlePolicy,
  type GatehouseStore,
} from '@gatehouse/core';
import { createMemoryStore } from '@gatehouse/core/testing';
import {
  acceptedAlgorithms,
  buildApp,
  createOutboxMailer,
  createRateLimiterThrottles,
} from '@gatehouse/server';
import type { FastifyInstance } from 'fastify';

const ROUNDS = 30;
const PASSWORD = 'a long enough passphrase';
const WRONG_PASSWORD = 'not the right passphrase';
const ORIGIN = 'http://localhost:3000';
const VARYING = new Set(['date', 'x-request-id', 'request-id']);

/** Every limit out of reach: the throttles still run (their cost is part of what is timed). */
const relaxed = {
  ...defaultThrottlePolicy,
  loginAccount: { ...defaultThrottlePolicy.loginAccount, freeFailures: 10_000, maxFailuresPerHour: 10_000 },
  loginIp: { limit: 10_000, windowSeconds: 60 },
  loginGlobal: { limit: 10_000, windowSeconds: 60 },
  registerIp: { limit: 10_000, windowSeconds: 60 },
  resetRequestIp: { limit: 10_000, windowSeconds: 60 },
  resetRequestAccount: { limit: 10_000, windowSeconds: 60 },
};

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
  ms: number;
}

async function post(url: string, path: string, payload: unknown): Promise<Answer> {
  const started = process.hrtime.bigint();
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify(payload),
  });
  const body = await response.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !VARYING.has(name)));
  return { status: response.status, body, headers, ms };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Runs each case `ROUNDS` times, interleaved (a, b, c, b, c, a, …) so that drift in the machine's
 * load hits all alike; checks the answers are identical and the medians close.
 */
async function compareCases(
  t: TestContext,
  label: string,
  cases: Record<string, (round: number) => Promise<Answer>>,
): Promise<void> {
  const names = Object.keys(cases);
  const timings = Object.fromEntries(names.map((name) => [name, [] as number[]]));
  const shapes = new Map<string, Omit<Answer, 'ms'>>();
  // One untimed round first: connections, JIT and the dummy hash are warm before measuring.
  for (const name of names) await cases[name]!(-1);
  for (let round = 0; round < ROUNDS; round++) {
    // The order rotates every round, so no case always follows the same one.
    const order = names.map((_, index) => names[(index + round) % names.length]!);
    for (const name of order) {
      const { ms, ...shape } = await cases[name]!(round);
      timings[name]!.push(ms);
      const first = shapes.get(name);
      if (first === undefined) shapes.set(name, shape);
      const reference = shapes.get(names[0]!);
      if (reference) assert.deepEqual(shape, reference, `${label}: ${name} answered differently`);
    }
  }
  const medians = Object.fromEntries(names.map((name) => [name, median(timings[name]!)]));
  t.diagnostic(
    `${label} medians over ${ROUNDS} interleaved requests each: ${names.map((name) => `${name} ${medians[name]!.toFixed(2)} ms`).join(', ')}`,
  );
  const values = Object.values(medians);
  const fastest = Math.min(...values);
  const slowest = Math.max(...values);
  const bound = Math.max(3 * fastest, fastest + 150);
  assert.ok(
    slowest <= bound,
    `${label}: medians ${JSON.stringify(medians)} differ more than max(3x, 150 ms)`,
  );
}

describe('enumeration by timing (real socket, default Argon2id)', () => {
  let app: FastifyInstance;
  let store: GatehouseStore;
  let url: string;

  before(async () => {
    store = createMemoryStore();
    const auth = createAuth({
      store,
      hasher: createArgon2Hasher(defaultArgon2Params),
      throttles: createRateLimiterThrottles({ backend: { kind: 'memory' }, policy: relaxed }),
      passwordReset: { mailer: createOutboxMailer(), linkPrefix: `${ORIGIN}/reset#token=` },
    });
    const keyring = createKeyring({ store: store.keys, kek: randomBytes(32), algorithm: 'ES256' });
    await keyring.ensureActiveKey();
    const accessTokens = createAccessTokens({
      auth,
      keyring,
      issuer: ORIGIN,
      audience: 'gatehouse',
      algorithms: acceptedAlgorithms('ES256'),
    });
    app = buildApp({
      auth,
      accessTokens,
      keyring,
      csrf: createCsrfTokens(randomBytes(32)),
      config: {
        allowedOrigins: [ORIGIN],
        trustProxy: false,
        issuer: ORIGIN,
        signingAlgorithm: 'ES256',
        serviceToken: null,
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

    for (const email of ['known@example.com', 'suspended@example.com']) {
      assert.equal((await post(url, '/auth/register', { email, password: PASSWORD })).status, 202);
    }
    const suspended = await store.users.getByEmail('suspended@example.com');
    await store.users.update(suspended!.id, { status: 'suspended' });
  });

  after(async () => {
    await app?.close();
  });

  it('login: unknown user, wrong password and suspended account take alike', {
    timeout: 120_000,
  }, async (t) => {
    await compareCases(t, 'login', {
      unknown: (round) =>
        post(url, '/auth/login', { email: `nobody-${round}@example.com`, password: PASSWORD }),
      wrongPassword: () => post(url, '/auth/login', { email: 'known@example.com', password: WRONG_PASSWORD }),
      suspended: () => post(url, '/auth/login', { email: 'suspended@example.com', password: PASSWORD }),
    });
  });

  it('register: a new and a taken email take alike', { timeout: 120_000 }, async (t) => {
    await compareCases(t, 'register', {
      fresh: (round) =>
        post(url, '/auth/register', {
          email: `new-${round}-${randomBytes(4).toString('hex')}@example.com`,
          password: PASSWORD,
        }),
      taken: () => post(url, '/auth/register', { email: 'known@example.com', password: PASSWORD }),
    });
  });

  it('reset request: known, unknown and suspended accounts take alike', { timeout: 120_000 }, async (t) => {
    await compareCases(t, 'reset request', {
      known: () => post(url, '/auth/password/reset/request', { email: 'known@example.com' }),
      unknown: (round) => post(url, '/auth/password/reset/request', { email: `nobody-${round}@example.com` }),
      suspended: () => post(url, '/auth/password/reset/request', { email: 'suspended@example.com' }),
    });
  });
});
