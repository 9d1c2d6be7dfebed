/**
 * Timing must not tell whether an account exists. A real server on a real socket, with the real
 * default Argon2id cost (m=19 MiB, t=2, p=1) and the real throttles in the path (relaxed so that
 * none refuses), answers each pair of cases alternately, 30 times each; the medians go to the
 * test output. The bound is relative to the cost of one Argon2id verification measured in the same
 * test, interleaved with the requests (so it sees the same machine load): the slowest and fastest
 * medians must differ by less than half of it. A missing dummy hash (unknown users answered without
 * a hash) makes them differ by a whole Argon2 run, and fails. Status, body and headers (but date
 * and request id) must match exactly.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import {
  createAccessTokens,
  createArgon2Hasher,
  createAuthDeps,
  createAuthFromDeps,
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
/** The largest gap between medians allowed, as a fraction of one Argon2id verification. */
const MAX_GAP_IN_HASHES = 0.5;
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
  oneHash: () => Promise<unknown>,
): Promise<void> {
  const names = Object.keys(cases);
  const timings = Object.fromEntries(names.map((name) => [name, [] as number[]]));
  const shapes = new Map<string, Omit<Answer, 'ms'>>();
  const hashTimings: number[] = [];
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
    // One Argon2id verification at the default cost, timed in this process, once a round.
    const started = process.hrtime.bigint();
    await oneHash();
    hashTimings.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const medians = Object.fromEntries(names.map((name) => [name, median(timings[name]!)]));
  t.diagnostic(
    `${label} medians over ${ROUNDS} interleaved requests each: ${names.map((name) => `${name} ${medians[name]!.toFixed(2)} ms`).join(', ')}`,
  );
  const values = Object.values(medians);
  const gap = Math.max(...values) - Math.min(...values);
  const hashMs = median(hashTimings);
  t.diagnostic(
    `${label}: gap between medians ${gap.toFixed(2)} ms; one Argon2id verification ${hashMs.toFixed(2)} ms (median of ${ROUNDS}); bound ${(MAX_GAP_IN_HASHES * hashMs).toFixed(2)} ms`,
  );
  // The measuring stick must be a real hash, or the bound below means nothing.
  assert.ok(hashMs >= 2, `one Argon2id verification took ${hashMs} ms: not the default cost`);
  assert.ok(
    gap < MAX_GAP_IN_HASHES * hashMs,
    `${label}: medians ${JSON.stringify(medians)} differ by ${gap.toFixed(2)} ms, more than ${MAX_GAP_IN_HASHES} of one Argon2id verification (${hashMs.toFixed(2)} ms)`,
  );
}

describe('enumeration by timing (real socket, default Argon2id)', () => {
  let app: FastifyInstance;
  let store: GatehouseStore;
  let url: string;
  /** A second hasher at the same cost, for the measuring stick: one verification of a real hash. */
  const stick = createArgon2Hasher(defaultArgon2Params);
  let stickHash: string;
  const oneHash = () => stick.verify(stickHash, WRONG_PASSWORD);

  before(async () => {
    store = createMemoryStore();
    const authDeps = createAuthDeps({
      store,
      hasher: createArgon2Hasher(defaultArgon2Params),
      throttles: createRateLimiterThrottles({ backend: { kind: 'memory' }, policy: relaxed }),
      passwordReset: { mailer: createOutboxMailer(), linkPrefix: `${ORIGIN}/reset#token=` },
    });
    const auth = createAuthFromDeps(authDeps);
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
      authDeps,
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
    stickHash = await stick.hash(PASSWORD);

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
    await compareCases(
      t,
      'login',
      {
        unknown: (round) =>
          post(url, '/auth/login', { email: `nobody-${round}@example.com`, password: PASSWORD }),
        wrongPassword: () =>
          post(url, '/auth/login', { email: 'known@example.com', password: WRONG_PASSWORD }),
        suspended: () => post(url, '/auth/login', { email: 'suspended@example.com', password: PASSWORD }),
      },
      oneHash,
    );
  });

  it('register: a new and a taken email take alike', { timeout: 120_000 }, async (t) => {
    await compareCases(
      t,
      'register',
      {
        fresh: (round) =>
          post(url, '/auth/register', {
            email: `new-${round}-${randomBytes(4).toString('hex')}@example.com`,
            password: PASSWORD,
          }),
        taken: () => post(url, '/auth/register', { email: 'known@example.com', password: PASSWORD }),
      },
      oneHash,
    );
  });

  it('reset request: known, unknown and suspended accounts take alike', { timeout: 120_000 }, async (t) => {
    await compareCases(
      t,
      'reset request',
      {
        known: () => post(url, '/auth/password/reset/request', { email: 'known@example.com' }),
        unknown: (round) =>
          post(url, '/auth/password/reset/request', { email: `nobody-${round}@example.com` }),
        suspended: () => post(url, '/auth/password/reset/request', { email: 'suspended@example.com' }),
      },
      oneHash,
    );
  });
});
