import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { accountThrottleKey } from '@gatehouse/core';
import { confirmReset, requestReset, resetTokenFor } from '../testing/reset-test-support.ts';
import { login, PASSWORD, register, sameOriginHeaders } from '../testing/index.ts';
import {
  assertThrottled,
  attemptLogin,
  comparable,
  createThrottledServer,
  WRONG_PASSWORD,
} from '../testing/throttle-test-support.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

// rate-limiter-flexible judges its counters by Date.now(): time moves only when a test ticks it.
beforeEach(() => mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 0, 1) }));
afterEach(() => mock.timers.reset());

describe('per-account exponential backoff on failed logins', () => {
  it('allows five free failures, then locks for 1 s, 2 s, 4 s after each further one', async () => {
    const { app, calls } = createThrottledServer();
    await register(app, 'known@example.com');
    for (let attempt = 1; attempt <= 6; attempt++) {
      const response = await attemptLogin(app, 'known@example.com', WRONG_PASSWORD);
      assert.equal(response.statusCode, 401, `attempt ${attempt}`);
      assert.deepEqual(response.json(), { error: 'invalid_credentials' });
    }
    for (const lockSeconds of [1, 2, 4]) {
      const verifiesBefore = calls.verify;
      assertThrottled(await attemptLogin(app, 'known@example.com', WRONG_PASSWORD), lockSeconds, lockSeconds);
      assert.equal(calls.verify, verifiesBefore, 'a refused attempt is never hashed');
      mock.timers.tick(lockSeconds * SECOND);
      assert.equal((await attemptLogin(app, 'known@example.com', WRONG_PASSWORD)).statusCode, 401);
    }
    assertThrottled(await attemptLogin(app, 'known@example.com', WRONG_PASSWORD), 8, 8);
  });

  it('refuses even the right password while locked; a success after the lock resets the count', async () => {
    const { app } = createThrottledServer();
    await register(app, 'owner@example.com');
    for (let attempt = 0; attempt < 6; attempt++)
      await attemptLogin(app, 'owner@example.com', WRONG_PASSWORD);
    assertThrottled(await attemptLogin(app, 'owner@example.com', PASSWORD), 1, 1);
    mock.timers.tick(SECOND);
    await login(app, 'owner@example.com');
    // Forgotten: five free failures again, and the next lock starts from 1 s.
    for (let attempt = 0; attempt < 6; attempt++) {
      assert.equal((await attemptLogin(app, 'owner@example.com', WRONG_PASSWORD)).statusCode, 401);
    }
    assertThrottled(await attemptLogin(app, 'owner@example.com', WRONG_PASSWORD), 1, 1);
  });

  it('treats an unknown email exactly like a known one: same answers, same headers, same locks', async () => {
    const { app } = createThrottledServer();
    await register(app, 'exists@example.com');
    const sequence = async (email: string) => {
      const answers = [];
      for (let attempt = 0; attempt < 8; attempt++)
        answers.push(comparable(await attemptLogin(app, email, WRONG_PASSWORD)));
      return answers;
    };
    const known = await sequence('exists@example.com');
    const unknown = await sequence('nobody-here@example.com');
    assert.deepEqual(unknown, known);
    assert.deepEqual(
      known.map((answer) => answer.status),
      [401, 401, 401, 401, 401, 401, 429, 429],
    );
  });

  it('lets only the free failures and one more of 20 parallel guesses reach the hasher', async () => {
    const { app, calls } = createThrottledServer();
    await register(app, 'target@example.com');
    const before = calls.verify;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => attemptLogin(app, 'target@example.com', WRONG_PASSWORD)),
    );
    assert.equal(responses.filter((response) => response.statusCode === 401).length, 6);
    for (const response of responses.filter((candidate) => candidate.statusCode !== 401))
      assertThrottled(response, 1, 1);
    assert.equal(calls.verify - before, 6);
  });

  it('keeps the counter on the account: the lock follows it to another address, other accounts are free', async () => {
    const { app } = createThrottledServer();
    await register(app, 'roaming@example.com');
    await register(app, 'neighbour@example.com');
    for (let attempt = 0; attempt < 6; attempt++) {
      await attemptLogin(app, 'roaming@example.com', WRONG_PASSWORD, { remoteAddress: '203.0.113.1' });
    }
    assertThrottled(
      await attemptLogin(app, 'roaming@example.com', PASSWORD, { remoteAddress: '198.51.100.2' }),
      1,
      1,
    );
    const neighbour = await attemptLogin(app, 'neighbour@example.com', PASSWORD, {
      remoteAddress: '203.0.113.1',
    });
    assert.equal(neighbour.statusCode, 200);
  });

  it('audits each lock: the user of a known account, only the hash of an unknown email', async () => {
    const { app, store } = createThrottledServer();
    await register(app, 'audited@example.com');
    const user = await store.users.getByEmail('audited@example.com');
    for (let attempt = 0; attempt < 6; attempt++) {
      await attemptLogin(app, 'audited@example.com', WRONG_PASSWORD);
      await attemptLogin(app, 'ghost@example.com', WRONG_PASSWORD);
    }
    const locks = await store.audit.query({ type: 'throttle.locked', limit: 10 });
    assert.equal(locks.length, 2);
    const known = locks.find((event) => event.subjectId === user!.id);
    assert.deepEqual(known?.data, { scope: 'login_account', retryAfterSeconds: 1 });
    const unknown = locks.find((event) => event.subjectId === null);
    assert.deepEqual(unknown?.data, {
      scope: 'login_account',
      retryAfterSeconds: 1,
      emailHash: accountThrottleKey('ghost@example.com'),
    });
    assert.ok(!JSON.stringify(locks).includes('ghost@example.com'), 'no email in clear');
  });
});

describe('password change with a stolen session', () => {
  it('counts wrong current passwords on the account: the password cannot be guessed without limit', async () => {
    const { app, calls } = createThrottledServer();
    await register(app, 'victim@example.com');
    const session = await login(app, 'victim@example.com');
    const change = (currentPassword: string) =>
      app.inject({
        method: 'POST',
        url: '/auth/password/change',
        headers: sameOriginHeaders(session),
        payload: { currentPassword, newPassword: 'a brand new passphrase' },
      });
    for (let attempt = 1; attempt <= 6; attempt++) {
      const response = await change(WRONG_PASSWORD);
      assert.equal(response.statusCode, 401, `attempt ${attempt}`);
      assert.deepEqual(response.json(), { error: 'invalid_credentials' });
    }
    const verifiesBefore = calls.verify;
    assertThrottled(await change(WRONG_PASSWORD), 1, 1);
    assertThrottled(await change(PASSWORD), 1, 1);
    assert.equal(calls.verify, verifiesBefore, 'a refused attempt is never hashed');
    // The same counter as login: the lock holds there too.
    assertThrottled(await attemptLogin(app, 'victim@example.com', PASSWORD), 1, 1);
    mock.timers.tick(SECOND);
    assert.equal((await change(PASSWORD)).statusCode, 204, 'the holder, after the lock, succeeds');
  });
});

describe('per-address limits', () => {
  const loginIp = { limit: 3, windowSeconds: 60 };

  it('login: refuses an address past its failures; successful logins do not use the budget up', async () => {
    const { app, store } = createThrottledServer({ loginIp });
    await register(app, 'regular@example.com');
    for (let attempt = 0; attempt < 5; attempt++) await login(app, 'regular@example.com');
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) {
      assert.equal((await attemptLogin(app, email, WRONG_PASSWORD)).statusCode, 401);
    }
    assertThrottled(await attemptLogin(app, 'd@example.com', WRONG_PASSWORD), 1, 60);
    assertThrottled(await attemptLogin(app, 'regular@example.com', PASSWORD), 1, 60);
    // Audited once, at the first refusal, with the address: not once per refused request.
    const locks = await store.audit.query({ type: 'throttle.locked', limit: 10 });
    assert.deepEqual(
      locks.map((event) => [event.data.scope, event.ip]),
      [['login_ip', '127.0.0.1']],
    );
    const elsewhere = await attemptLogin(app, 'regular@example.com', PASSWORD, {
      remoteAddress: '198.51.100.7',
    });
    assert.equal(elsewhere.statusCode, 200);
    mock.timers.tick(MINUTE);
    assert.equal((await attemptLogin(app, 'regular@example.com', PASSWORD)).statusCode, 200);
  });

  it('is not dodged by a spoofed X-Forwarded-For: without a trusted proxy the header is ignored', async () => {
    const { app } = createThrottledServer({ loginIp });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const spoofed = { 'x-forwarded-for': `192.0.2.${attempt}` };
      assert.equal(
        (await attemptLogin(app, `u${attempt}@example.com`, WRONG_PASSWORD, { headers: spoofed })).statusCode,
        401,
      );
    }
    assertThrottled(
      await attemptLogin(app, 'u4@example.com', WRONG_PASSWORD, {
        headers: { 'x-forwarded-for': '192.0.2.99' },
      }),
      1,
      60,
    );
  });

  it('believes X-Forwarded-For only from the configured proxy', async () => {
    const { app } = createThrottledServer({ loginIp }, { trustProxy: ['127.0.0.1'] });
    // Through the trusted proxy (inject's peer is 127.0.0.1), each forwarded client has its own budget.
    for (let attempt = 1; attempt <= 4; attempt++) {
      const forwarded = { 'x-forwarded-for': `192.0.2.${attempt}` };
      assert.equal(
        (await attemptLogin(app, 'x@example.com', WRONG_PASSWORD, { headers: forwarded })).statusCode,
        401,
      );
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      await attemptLogin(app, 'y@example.com', WRONG_PASSWORD, {
        headers: { 'x-forwarded-for': '192.0.2.50' },
      });
    }
    assert.equal(
      (
        await attemptLogin(app, 'z@example.com', WRONG_PASSWORD, {
          headers: { 'x-forwarded-for': '192.0.2.50' },
        })
      ).statusCode,
      401,
    );
    assertThrottled(
      await attemptLogin(app, 'z@example.com', WRONG_PASSWORD, {
        headers: { 'x-forwarded-for': '192.0.2.50' },
      }),
      1,
      60,
    );
    // A peer that is not the proxy cannot name a client: it is counted as itself.
    const direct = { remoteAddress: '203.0.113.9' };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const headers = { 'x-forwarded-for': `198.51.100.${attempt}` };
      assert.equal(
        (await attemptLogin(app, 'w@example.com', WRONG_PASSWORD, { ...direct, headers })).statusCode,
        401,
      );
    }
    assertThrottled(
      await attemptLogin(app, 'w@example.com', WRONG_PASSWORD, {
        ...direct,
        headers: { 'x-forwarded-for': '198.51.100.77' },
      }),
      1,
      60,
    );
  });

  it('register: refuses an address past its limit, for new and taken emails alike', async () => {
    const { app } = createThrottledServer({ registerIp: { limit: 2, windowSeconds: 3600 } });
    assert.equal((await register(app, 'first@example.com')).statusCode, 202);
    assert.equal((await register(app, 'first@example.com')).statusCode, 202);
    const fresh = await register(app, 'fresh@example.com');
    const taken = await register(app, 'first@example.com');
    assertThrottled(fresh, 3500, 3600);
    assert.deepEqual(comparable(taken), comparable(fresh));
    assert.equal(
      (
        await app.inject({
          method: 'POST',
          url: '/auth/register',
          remoteAddress: '198.51.100.3',
          payload: { email: 'fresh@example.com', password: PASSWORD },
        })
      ).statusCode,
      202,
    );
  });

  it('reset request: per address, and per account with unknown emails counted alike', async () => {
    const { app } = createThrottledServer({
      resetRequestIp: { limit: 4, windowSeconds: 3600 },
      resetRequestAccount: { limit: 2, windowSeconds: 3600 },
    });
    await register(app, 'reset-me@example.com');
    for (const email of ['reset-me@example.com', 'nobody@example.com']) {
      for (let attempt = 0; attempt < 2; attempt++)
        assert.equal((await requestReset(app, email)).statusCode, 202);
    }
    // The address has one request left, but neither account has.
    const known = await requestReset(app, 'reset-me@example.com', {});
    assertThrottled(known, 3500, 3600);
    const addressSpent = await requestReset(app, 'someone-else@example.com');
    assertThrottled(addressSpent, 3500, 3600);
    const fromElsewhere = await app.inject({
      method: 'POST',
      url: '/auth/password/reset/request',
      remoteAddress: '198.51.100.4',
      payload: { email: 'nobody@example.com' },
    });
    assertThrottled(fromElsewhere, 3500, 3600);
    assert.deepEqual(comparable(fromElsewhere), comparable(known));
  });
});

describe('global guard against password spraying', () => {
  it('once failed logins across accounts pass the limit, every login waits for the window', async () => {
    const { app, store } = createThrottledServer({ loginGlobal: { limit: 5, windowSeconds: 60 } });
    await register(app, 'innocent@example.com');
    for (let attempt = 1; attempt <= 6; attempt++) {
      // Each from its own address and against its own account: only the global count sees them.
      const response = await attemptLogin(app, `sprayed${attempt}@example.com`, 'Summer2026!Summer', {
        remoteAddress: `203.0.113.${attempt}`,
      });
      assert.equal(response.statusCode, 401);
    }
    assertThrottled(
      await attemptLogin(app, 'innocent@example.com', PASSWORD, { remoteAddress: '198.51.100.1' }),
      1,
      60,
    );
    const locks = await store.audit.query({ type: 'throttle.locked', limit: 10 });
    assert.deepEqual(
      locks.map((event) => event.data.scope),
      ['login_global'],
    );
    mock.timers.tick(MINUTE);
    assert.equal((await attemptLogin(app, 'innocent@example.com', PASSWORD)).statusCode, 200);
  });
});

describe('recovery of a locked account', () => {
  it('goes through a password reset: confirm is not blocked by the lock, and clears it', async () => {
    const { app, outbox } = createThrottledServer();
    await register(app, 'locked-out@example.com');
    for (let attempt = 0; attempt < 6; attempt++)
      await attemptLogin(app, 'locked-out@example.com', WRONG_PASSWORD);
    assertThrottled(await attemptLogin(app, 'locked-out@example.com', PASSWORD), 1, 1);

    assert.equal((await requestReset(app, 'locked-out@example.com')).statusCode, 202);
    const token = resetTokenFor(outbox, 'locked-out@example.com');
    const newPassword = 'a fresh start for this account';
    assert.equal((await confirmReset(app, { token, newPassword })).statusCode, 204);
    // No waiting for the lock: the reset proved the owner.
    await login(app, 'locked-out@example.com', newPassword);
  });
});
