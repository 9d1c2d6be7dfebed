import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type HashPermit, hashingKeys } from '@gatehouse/core';
import { loadConfig } from '../config.ts';
import { type RunningServer, startServer } from '../server.ts';
import { confirmReset, requestReset, resetTokenFor } from '../testing/reset-test-support.ts';
import { login, ORIGIN, PASSWORD, sameOriginHeaders } from '../testing/index.ts';

const WRONG_PASSWORD = 'not the right passphrase';
const NEW_PASSWORD = 'an entirely new passphrase';
/** Headers that differ between any two answers by nature, not by what they say. */
const PER_RESPONSE_HEADERS = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);

interface Answer {
  status: number;
  body: string;
  headers: [string, string][];
}

async function post(
  server: RunningServer,
  path: string,
  payload: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN, ...extraHeaders },
    body: JSON.stringify(payload),
  });
  const headers = [...response.headers].filter(([name]) => !PER_RESPONSE_HEADERS.has(name)).sort();
  return { status: response.status, body: await response.text(), headers };
}

function assertOverloaded(answer: Answer): void {
  assert.equal(answer.status, 503, answer.body);
  assert.deepEqual(JSON.parse(answer.body), { error: 'temporarily_unavailable' });
  assert.equal(new Map(answer.headers).get('retry-after'), '1');
  assert.equal(new Map(answer.headers).get('cache-control'), 'no-store');
}

async function overloadCount(server: RunningServer, flow: string): Promise<number> {
  const response = await server.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  const line = response.body
    .split('\n')
    .find((candidate) => candidate.startsWith(`gatehouse_password_hash_overload_total{flow="${flow}"}`));
  assert.ok(line, `no overload series for ${flow}`);
  return Number(line.split(' ').at(-1));
}

/**
 * A real server (startServer, SQLite, real Argon2id) whose hashing is bounded to one operation and
 * no queue. The test holds that one place itself through the server's bounded hasher, so every
 * request that needs a hash meets a full queue, deterministically, whatever the machine's speed.
 */
describe('password hashing at capacity: 503 temporarily_unavailable, nothing done', () => {
  let dataDir: string;
  let server: RunningServer;
  const known = 'known@example.com';
  let held: HashPermit | undefined;

  function saturate(): void {
    assert.equal(held, undefined);
    held = server.hasher.admit?.('other');
    assert.ok(held, 'the server hasher is bounded');
  }
  function release(): void {
    held?.release();
    held = undefined;
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-overload-'));
    const config = loadConfig({ GATEHOUSE_MAILER: 'outbox' }, [
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--password-hash-concurrency',
      '1',
      '--password-hash-queue',
      '0',
    ]);
    server = await startServer(config, { logger: false, print: () => {} });
    assert.equal((await post(server, '/auth/register', { email: known, password: PASSWORD })).status, 202);
  });
  after(async () => {
    release();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the place is taken before the first hash: a second operation is refused while one is admitted', () => {
    saturate();
    try {
      assert.throws(() => server.hasher.admit?.('other'), { code: 'ERR_OVERLOADED' });
    } finally {
      release();
    }
  });

  it('an overloaded login answers alike for a known and an unknown account, and changes nothing', async () => {
    const user = await server.store.users.getByEmail(known);
    assert.ok(user);
    const sessionsBefore = (await server.store.sessions.listForUser(user.id, Date.now())).length;
    const auditBefore = (await server.store.audit.query({ limit: 1000 })).length;
    const refusedBefore = await overloadCount(server, 'login');
    saturate();
    let answers: Answer[];
    try {
      // More wrong passwords than the account backoff allows for free (5): had any of them been
      // counted, the right password below would be locked out (429).
      answers = [];
      for (const [email, password] of [
        [known, PASSWORD],
        ['unknown@example.com', PASSWORD],
        ...Array.from({ length: 8 }, () => [known, WRONG_PASSWORD]),
        ...Array.from({ length: 8 }, () => ['unknown@example.com', WRONG_PASSWORD]),
      ]) {
        answers.push(await post(server, '/auth/login', { email, password }));
      }
    } finally {
      release();
    }
    for (const answer of answers) assertOverloaded(answer);
    // Same status, body and headers (but date and request id) for the known and the unknown account.
    for (const answer of answers.slice(1)) assert.deepEqual(answer, answers[0]);
    assert.equal(await overloadCount(server, 'login'), refusedBefore + answers.length);

    assert.equal((await server.store.sessions.listForUser(user.id, Date.now())).length, sessionsBefore);
    assert.equal((await server.store.audit.query({ limit: 1000 })).length, auditBefore, 'nothing audited');
    // No counter moved: the right password still logs in, first time.
    const ok = await post(server, '/auth/login', { email: known, password: PASSWORD });
    assert.equal(ok.status, 200, ok.body);
  });

  it('an overloaded registration creates no account', async () => {
    const email = 'newcomer@example.com';
    const refusedBefore = await overloadCount(server, 'register');
    saturate();
    let answer: Answer;
    try {
      answer = await post(server, '/auth/register', { email, password: PASSWORD });
    } finally {
      release();
    }
    assertOverloaded(answer);
    assert.equal(await server.store.users.getByEmail(email), null);
    assert.equal(await overloadCount(server, 'register'), refusedBefore + 1);
    assert.equal((await post(server, '/auth/register', { email, password: PASSWORD })).status, 202);
    assert.ok(await server.store.users.getByEmail(email));
  });

  it('an overloaded password change keeps the password and every session', async () => {
    const email = 'changer@example.com';
    assert.equal((await post(server, '/auth/register', { email, password: PASSWORD })).status, 202);
    const session = await login(server.app, email);
    const before = await server.store.users.getById(session.userId);
    const change = () =>
      server.app.inject({
        method: 'POST',
        url: '/auth/password/change',
        headers: sameOriginHeaders(session),
        payload: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
      });
    saturate();
    let response: Awaited<ReturnType<typeof change>>;
    try {
      response = await change();
    } finally {
      release();
    }
    assert.equal(response.statusCode, 503, response.body);
    assert.deepEqual(response.json(), { error: 'temporarily_unavailable' });
    assert.equal(response.headers['retry-after'], '1');
    assert.equal(response.headers['set-cookie'], undefined);
    const after = await server.store.users.getById(session.userId);
    assert.equal(after?.passwordHash, before?.passwordHash);
    assert.ok(await server.store.sessions.get(session.sessionId), 'the session lives on');
    assert.equal((await change()).statusCode, 204);
  });

  it('an overloaded reset confirmation does not spend the token', async () => {
    const email = 'resetter@example.com';
    assert.equal((await post(server, '/auth/register', { email, password: PASSWORD })).status, 202);
    assert.equal((await requestReset(server.app, email)).statusCode, 202);
    const token = resetTokenFor(server.outbox!, email);
    saturate();
    let response: Awaited<ReturnType<typeof confirmReset>>;
    try {
      response = await confirmReset(server.app, { token, newPassword: NEW_PASSWORD });
    } finally {
      release();
    }
    assert.equal(response.statusCode, 503, response.body);
    assert.deepEqual(response.json(), { error: 'temporarily_unavailable' });
    assert.equal(response.headers['retry-after'], '1');
    // The same token still works once there is room.
    assert.equal((await confirmReset(server.app, { token, newPassword: NEW_PASSWORD })).statusCode, 204);
    assert.equal((await post(server, '/auth/login', { email, password: NEW_PASSWORD })).status, 200);
  });

  it('under a real burst on one slot and no queue, logins are served or refused, never lost', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => post(server, '/auth/login', { email: known, password: PASSWORD })),
    );
    for (const answer of answers) assert.ok([200, 503].includes(answer.status), answer.body);
    assert.ok(answers.some((answer) => answer.status === 200));
  });
});

/**
 * The same bound shared fairly between clients: a real server (SQLite, real Argon2id) trusting
 * X-Forwarded-For from loopback (so the test speaks for several addresses), one hash at a time and
 * 2 waiting. The test holds the places of a "flood" address itself, so every step is deterministic.
 */
describe('password hashing at capacity, shared fairly between clients', { timeout: 30_000 }, () => {
  const FLOOD_IP = '203.0.113.9';
  const USER_IP = '198.51.100.7';
  const floodKeys = hashingKeys({ ip: FLOOD_IP, userAgent: null });
  let dataDir: string;
  let server: RunningServer;
  const known = 'known@example.com';
  const user = 'user@example.com';
  let held: HashPermit[] = [];

  const from = (ip: string) => ({ 'x-forwarded-for': ip });
  function releaseAll(): void {
    for (const permit of held) permit.release();
    held = [];
  }
  /** Waits until every place is taken (a probe with the flood's own keys is refused). */
  async function untilFull(): Promise<void> {
    for (let i = 0; i < 400; i++) {
      try {
        server.hasher.admit!('other', floodKeys).release();
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.fail('the flood login never took its place');
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-fair-'));
    const config = loadConfig({ GATEHOUSE_MAILER: 'outbox' }, [
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--password-hash-concurrency',
      '1',
      '--password-hash-queue',
      '2',
      '--trust-proxy',
      'loopback',
    ]);
    server = await startServer(config, { logger: false, print: () => {} });
    for (const email of [known, user])
      assert.equal((await post(server, '/auth/register', { email, password: PASSWORD })).status, 202);
  });
  after(async () => {
    releaseAll();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /**
   * The flood holds every place (2 started, its own login waiting); a user from another address
   * logs in: the flood's waiting login is displaced (its answer returned), the user's is served.
   */
  async function displaceFloodLogin(floodEmail: string, floodPassword: string): Promise<Answer> {
    held = [server.hasher.admit!('other', floodKeys), server.hasher.admit!('other', floodKeys)];
    try {
      const floodLogin = post(
        server,
        '/auth/login',
        { email: floodEmail, password: floodPassword },
        from(FLOOD_IP),
      );
      await untilFull();
      // From the flood's own address nothing gets in: it already holds the most.
      assertOverloaded(
        await post(server, '/auth/login', { email: user, password: PASSWORD }, from(FLOOD_IP)),
      );
      const userLogin = post(server, '/auth/login', { email: user, password: PASSWORD }, from(USER_IP));
      const displaced = await floodLogin;
      // The user's login waits its turn, the next one: it gets the place the flood gives back.
      held.shift()?.release();
      const served = await userLogin;
      assert.equal(served.status, 200, served.body);
      return displaced;
    } finally {
      releaseAll();
    }
  }

  it('a flood from one address cannot starve a login from another; the displaced login gets 503 + Retry-After', async () => {
    const refusedBefore = await overloadCount(server, 'login');
    const displaced = await displaceFloodLogin(known, PASSWORD);
    assertOverloaded(displaced);
    // The displaced login and the one refused at the door, both counted.
    assert.equal(await overloadCount(server, 'login'), refusedBefore + 2);
  });

  it('a displaced login answers alike for a known and an unknown account, and changes nothing', async () => {
    const account = await server.store.users.getByEmail(known);
    assert.ok(account);
    const sessionsBefore = (await server.store.sessions.listForUser(account.id, Date.now())).length;
    const auditAbout = async () =>
      (await server.store.audit.query({ limit: 1000 })).filter(
        (event) => event.subjectId === account.id || event.type === 'login.failure',
      ).length;
    const auditBefore = await auditAbout();
    const answers: Answer[] = [];
    // More wrong passwords than the account's free failures (5): had any been counted, the right
    // password below would be locked out (429).
    for (let i = 0; i < 6; i++) answers.push(await displaceFloodLogin(known, WRONG_PASSWORD));
    answers.push(await displaceFloodLogin('unknown@example.com', WRONG_PASSWORD));
    answers.push(await displaceFloodLogin(known, PASSWORD));
    for (const answer of answers) assertOverloaded(answer);
    for (const answer of answers.slice(1)) assert.deepEqual(answer, answers[0]);
    assert.equal((await server.store.sessions.listForUser(account.id, Date.now())).length, sessionsBefore);
    assert.equal(await auditAbout(), auditBefore, 'nothing audited for the displaced logins');
    const ok = await post(server, '/auth/login', { email: known, password: PASSWORD }, from(FLOOD_IP));
    assert.equal(ok.status, 200, ok.body);
  });
});
