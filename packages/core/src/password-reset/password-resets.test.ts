import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuth } from '../auth.ts';
import { InvalidInputError, ResetTokenError, ThrottledError } from '../errors.ts';
import type { Mailer, MailMessage } from '../mail/mailer.ts';
import type { RevocationEvent } from '../revocation/revocation-event.ts';
import { createFastHasher } from '../testing/fast-hasher.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { createMemoryStore } from '../testing/memory-store.ts';
import { type Throttle, unlimitedThrottle } from '../throttle/throttle.ts';
import { unlimitedThrottles } from '../throttle/throttles.ts';

const PASSWORD = 'a long enough passphrase';
const NEW_PASSWORD = 'a different long passphrase';
const LINK = 'https://id.example.com/reset#token=';

function setup(mailer?: Mailer, extra: Partial<Parameters<typeof createAuth>[0]> = {}) {
  const sent: MailMessage[] = [];
  const published: RevocationEvent[] = [];
  const store = createMemoryStore();
  const clock = createManualClock();
  const auth = createAuth({
    store,
    clock,
    hasher: createFastHasher(),
    revocations: { publish: async (events) => void published.push(...events) },
    passwordReset: {
      mailer: mailer ?? { send: async (message) => void sent.push(message) },
      linkPrefix: LINK,
    },
    ...extra,
  });
  const tokenOf = (message: MailMessage | undefined) => message!.text.split(LINK)[1]!.split('\n')[0]!;
  return { auth, store, clock, sent, published, tokenOf };
}

describe('password reset (core)', () => {
  it('refuses to start with a link prefix that would put the token where servers see it', () => {
    const store = createMemoryStore();
    const mailer: Mailer = { send: async () => {} };
    for (const linkPrefix of [
      'https://id.example.com/reset?token=',
      '/reset#token=',
      'ftp://x.example/#t=',
      'nonsense',
    ]) {
      assert.throws(
        () => createAuth({ store, passwordReset: { mailer, linkPrefix } }),
        TypeError,
        linkPrefix,
      );
    }
    assert.throws(
      () => createAuth({ store, passwordReset: { mailer, linkPrefix: LINK, tokenTtlMs: 1000 } }),
      TypeError,
    );
    assert.throws(
      () => createAuth({ store, passwordReset: { mailer: {} as Mailer, linkPrefix: LINK } }),
      TypeError,
    );
  });

  it('throws TypeError when asked to reset without being configured', async () => {
    const auth = createAuth({ store: createMemoryStore() });
    await assert.rejects(auth.requestPasswordReset({ email: 'a@example.com' }), TypeError);
    await assert.rejects(auth.confirmPasswordReset({ token: 'x', newPassword: NEW_PASSWORD }), TypeError);
  });

  it('mails one link to an active account, none otherwise, and resolves alike', async () => {
    const { auth, store, sent } = setup();
    await auth.register({ email: 'active@example.com', password: PASSWORD });
    const { user: suspended } = await auth.register({ email: 'off@example.com', password: PASSWORD });
    await store.users.update(suspended!.id, { status: 'suspended' });
    for (const email of ['active@example.com', 'off@example.com', 'none@example.com']) {
      assert.equal(await auth.requestPasswordReset({ email }), undefined);
    }
    assert.deepEqual(
      sent.map((message) => message.to),
      ['active@example.com'],
    );
    assert.match(sent[0]!.text, /within 15 minutes/);
    await assert.rejects(auth.requestPasswordReset({ email: 'not an email' }), InvalidInputError);
  });

  it('confirms once: new password, sessions revoked and published, events audited', async () => {
    const { auth, store, sent, published, tokenOf } = setup();
    await auth.register({ email: 'me@example.com', password: PASSWORD });
    const first = await auth.login({ email: 'me@example.com', password: PASSWORD });
    await auth.requestPasswordReset({ email: 'me@example.com' });
    const token = tokenOf(sent[0]);
    const updated = await auth.confirmPasswordReset({ token, newPassword: NEW_PASSWORD });
    assert.equal(updated.email, 'me@example.com');
    // One `user` event, plus the session seen this second (a token of it may carry this second's iat).
    assert.deepEqual(
      published.map((event) =>
        event.type === 'session' ? event.sid : event.type === 'user' ? event.sub : null,
      ),
      [first.user.id, first.session.id],
    );
    assert.equal(await store.sessions.get(first.session.id), null);
    await auth.login({ email: 'me@example.com', password: NEW_PASSWORD });
    await assert.rejects(auth.confirmPasswordReset({ token, newPassword: NEW_PASSWORD }), ResetTokenError);
    const revoked = await store.audit.query({ type: 'session.revoked', limit: 5 });
    assert.deepEqual(
      revoked.map((event) => event.data),
      [{ reason: 'password_reset' }],
    );
  });

  it('hands mail over without waiting for it, and audits a failed delivery', async () => {
    const errors: unknown[] = [];
    let release: () => void = () => {};
    const slow: Mailer = {
      send: () =>
        new Promise((_, reject) => {
          release = () => reject(new Error('smtp down'));
        }),
    };
    const store = createMemoryStore();
    const auth = createAuth({
      store,
      hasher: createFastHasher(),
      passwordReset: { mailer: slow, linkPrefix: LINK, onMailError: (error) => errors.push(error) },
    });
    await auth.register({ email: 'slow@example.com', password: PASSWORD });
    await auth.requestPasswordReset({ email: 'slow@example.com' });
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((errors[0] as Error).message, 'smtp down');
    assert.equal((await store.audit.query({ type: 'password.reset_mail_failed', limit: 5 })).length, 1);
  });

  it('throttles requests before any work, for known and unknown emails alike', async () => {
    const refusing: Throttle = {
      ...unlimitedThrottle,
      consume: async () => ({ allowed: false, retryAfterMs: 2500, firstRefusal: true }),
    };
    const { auth, sent, store } = setup(undefined, {
      throttles: { ...unlimitedThrottles, resetRequestAccount: refusing },
    });
    await auth.register({ email: 'known@example.com', password: PASSWORD });
    for (const email of ['known@example.com', 'unknown@example.com']) {
      await assert.rejects(
        auth.requestPasswordReset({ email }),
        (error: unknown) => error instanceof ThrottledError && error.retryAfterSeconds === 3,
      );
    }
    assert.deepEqual(sent, []);
    const locks = await store.audit.query({ type: 'throttle.locked', limit: 5 });
    assert.equal(locks.length, 2);
    for (const lock of locks) assert.equal(lock.data.scope, 'reset_account');
  });
});
