import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { createAuth } from './auth.ts';
import {
  InvalidCredentialsError,
  NotFoundError,
  PasswordPolicyError,
  UnauthenticatedError,
} from './errors.ts';
import type { PasswordHasher } from './password/password-hasher.ts';
import type { RevocationEvent } from './revocation/revocation-event.ts';
import { createFastHasher } from './testing/fast-hasher.ts';
import { createManualClock } from './testing/manual-clock.ts';
import { createMemoryStore } from './testing/memory-store.ts';
import { socketPair } from './testing/socket-pair.ts';

const MINUTE = 60_000;
const password = 'a long enough passphrase';

function setup() {
  const clock = createManualClock();
  const store = createMemoryStore();
  const inner = createFastHasher();
  const calls = { hash: 0, verify: 0 };
  const hasher: PasswordHasher = {
    hash: (p) => {
      calls.hash++;
      return inner.hash(p);
    },
    verify: (e, p) => {
      calls.verify++;
      return inner.verify(e, p);
    },
    needsRehash: () => false,
  };
  const published: RevocationEvent[] = [];
  const auth = createAuth({
    store,
    clock,
    hasher,
    revocations: { publish: async (events) => void published.push(...events) },
  });
  return { auth, clock, store, calls, published };
}

describe('createAuth', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(async () => {
    t = setup();
    await t.auth.register({ email: 'Alice@Example.com', password });
  });

  it('exposes operations only: none of its dependencies (store, clock, audit, hasher, policies)', () => {
    for (const [name, value] of Object.entries(t.auth)) {
      assert.equal(typeof value, 'function', `auth.${name} is not an operation`);
    }
    for (const name of ['store', 'clock', 'random', 'audit', 'hasher', 'policy', 'passwordPolicy']) {
      assert.equal(name in t.auth, false, `auth.${name} leaks a dependency`);
    }
  });

  it('registers with a normalised email and an argon2id hash, never the password', async () => {
    const user = await t.store.users.getByEmail('alice@example.com');
    assert.ok(user);
    assert.match(user.passwordHash, /^\$argon2id\$/);
    assert.ok(!JSON.stringify(user).includes(password));
  });

  it('answers a duplicate registration the same way and still spends a hash', async () => {
    const before = t.calls.hash;
    const again = await t.auth.register({ email: 'alice@example.com', password: 'another long passphrase' });
    assert.equal(again.created, false);
    assert.equal(t.calls.hash, before + 1);
    const user = await t.store.users.getByEmail('alice@example.com');
    assert.ok(
      await createFastHasher().verify(user!.passwordHash, password),
      'the original password still works',
    );
  });

  it('refuses weak passwords at registration without hashing', async () => {
    const before = t.calls.hash;
    await assert.rejects(
      t.auth.register({ email: 'bob@example.com', password: 'short' }),
      PasswordPolicyError,
    );
    await assert.rejects(
      t.auth.register({ email: 'bob@example.com', password: 'x'.repeat(100_000) }),
      PasswordPolicyError,
    );
    assert.equal(t.calls.hash, before);
  });

  it('logs in and validates the session token; the store never holds the secret', async () => {
    const { sessionToken, session } = await t.auth.login({ email: 'alice@example.com', password });
    const { user } = await t.auth.validateSessionToken(sessionToken);
    assert.equal(user.email, 'alice@example.com');
    const stored = await t.store.sessions.get(session.id);
    assert.ok(stored);
    assert.ok(!JSON.stringify(stored).includes(sessionToken.split('.')[1]!));
  });

  it('gives the same error for unknown user, wrong password and suspended user, and hashes for each', async () => {
    const user = (await t.store.users.getByEmail('alice@example.com'))!;
    await t.auth.register({ email: 'carol@example.com', password });
    const carol = (await t.store.users.getByEmail('carol@example.com'))!;
    await t.store.users.update(carol.id, { status: 'suspended' });
    for (const attempt of [
      { email: 'nobody@example.com', password },
      { email: user.email, password: 'the wrong passphrase' },
      { email: carol.email, password },
    ]) {
      const before = t.calls.verify;
      await assert.rejects(t.auth.login(attempt), (error: unknown) => {
        assert.ok(error instanceof InvalidCredentialsError);
        assert.equal(error.code, 'ERR_INVALID_CREDENTIALS');
        return true;
      });
      assert.equal(t.calls.verify, before + 1, 'one hash verification per attempt');
    }
  });

  it('refuses an over-long login password before hashing', async () => {
    const before = t.calls.verify;
    await assert.rejects(
      t.auth.login({ email: 'alice@example.com', password: 'x'.repeat(129) }),
      InvalidCredentialsError,
    );
    assert.equal(t.calls.verify, before);
  });

  it('expires an idle session after 30 minutes and extends it on use', async () => {
    const { sessionToken } = await t.auth.login({ email: 'alice@example.com', password });
    t.clock.advance(29 * MINUTE);
    await t.auth.validateSessionToken(sessionToken);
    t.clock.advance(29 * MINUTE);
    await t.auth.validateSessionToken(sessionToken);
    t.clock.advance(30 * MINUTE + 1);
    await assert.rejects(t.auth.validateSessionToken(sessionToken), UnauthenticatedError);
  });

  it('expires a session 12 hours after login however active', async () => {
    const { sessionToken } = await t.auth.login({ email: 'alice@example.com', password });
    for (let elapsed = 0; elapsed < 12 * 60 - 10; elapsed += 10) {
      t.clock.advance(10 * MINUTE);
      await t.auth.validateSessionToken(sessionToken);
    }
    t.clock.advance(10 * MINUTE);
    await assert.rejects(t.auth.validateSessionToken(sessionToken), UnauthenticatedError);
  });

  it('refuses forged, altered and other-strategy tokens', async () => {
    const { sessionToken } = await t.auth.login({ email: 'alice@example.com', password });
    const [id, secret] = sessionToken.split('.') as [string, string];
    const flipped = `${id}.${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
    for (const bad of [flipped, `${id}.${'A'.repeat(43)}`, 'garbage', '', undefined]) {
      await assert.rejects(t.auth.validateSessionToken(bad), UnauthenticatedError);
    }
    const hybrid = await t.auth.login({ email: 'alice@example.com', password, strategy: 'hybrid' });
    await assert.rejects(t.auth.validateSessionToken(hybrid.sessionToken), UnauthenticatedError);
  });

  it('refuses the session of a user suspended after login', async () => {
    const { sessionToken, user } = await t.auth.login({ email: 'alice@example.com', password });
    await t.store.users.update(user.id, { status: 'suspended' });
    await assert.rejects(t.auth.validateSessionToken(sessionToken), UnauthenticatedError);
  });

  it('revokes one, own-only, and all sessions, publishing an event for each', async () => {
    const a = await t.auth.login({ email: 'alice@example.com', password });
    const b = await t.auth.login({ email: 'alice@example.com', password });
    const c = await t.auth.login({ email: 'alice@example.com', password });
    await t.auth.register({ email: 'mallory@example.com', password });
    const mallory = await t.auth.login({ email: 'mallory@example.com', password });
    await assert.rejects(
      t.auth.revokeOwnSession({ userId: mallory.user.id, sessionId: a.session.id }),
      NotFoundError,
    );
    await t.auth.validateSessionToken(a.sessionToken);

    await t.auth.revokeOwnSession({ userId: a.user.id, sessionId: a.session.id });
    await assert.rejects(t.auth.validateSessionToken(a.sessionToken), UnauthenticatedError);
    assert.deepEqual(
      t.published.map((e) => e.type === 'session' && e.sid),
      [a.session.id],
    );

    t.clock.advance(2000);
    await t.auth.revokeAllSessions({
      userId: a.user.id,
      reason: 'logout_all',
      actorId: a.user.id,
      exceptSessionId: c.session.id,
    });
    await assert.rejects(t.auth.validateSessionToken(b.sessionToken), UnauthenticatedError);
    await t.auth.validateSessionToken(c.sessionToken);
    await t.auth.validateSessionToken(mallory.sessionToken);
    // One `user` event for all of them: tokens of the user issued before this second are refused.
    assert.equal(t.published.length, 2);
    const secondStart = Math.floor(t.clock.now() / 1000) * 1000;
    assert.deepEqual(t.published[1], {
      type: 'user',
      sub: a.user.id,
      before: secondStart,
      until: t.clock.now() + 10 * 60_000,
    });
    const audit = await t.store.audit.query({ type: 'session.revoked', limit: 10 });
    assert.equal(audit.length, 2);
  });

  it('lists only live sessions of the user', async () => {
    const a = await t.auth.login({ email: 'alice@example.com', password });
    t.clock.advance(31 * MINUTE);
    const b = await t.auth.login({ email: 'alice@example.com', password });
    const listed = await t.auth.listSessions(a.user.id);
    assert.deepEqual(
      listed.map((s) => s.id),
      [b.session.id],
    );
  });
});

describe('createAuth: a login and the event loop', () => {
  it('lets I/O that arrives during a login run before its write (session and audit event together) and its answer (a store answering at once holds no turn)', async () => {
    // "Other I/O": bytes on a socket (a request to another route), sent when the hash check
    // answers and when the session is written; the event loop must poll for them to see them.
    const log: string[] = [];
    const pair = await socketPair();
    pair.server.on('data', (sentAt: string) => log.push(`other I/O (sent at ${sentAt})`));
    const happened = (label: string) => {
      log.push(label);
      pair.client.write(label);
    };
    const store = createMemoryStore();
    const inner = createFastHasher();
    const auth = createAuth({
      store: {
        ...store,
        sessions: {
          ...store.sessions,
          create: async (session, audit) => {
            happened(`session written with audit ${audit?.type}`);
            return store.sessions.create(session, audit);
          },
        },
        audit: {
          ...store.audit,
          append: async (event) => {
            // The login's audit event goes with the session's write (one commit), not on its own.
            happened(`audit ${event.type} written on its own`);
            return store.audit.append(event);
          },
        },
      },
      hasher: {
        hash: (p) => inner.hash(p),
        verify: async (encoded, p) => {
          const ok = await inner.verify(encoded, p);
          happened('hash checked');
          return ok;
        },
        needsRehash: () => false,
      },
    });
    try {
      await auth.register({ email: 'alice@example.com', password });
      log.length = 0;
      await auth.login({ email: 'alice@example.com', password });
      log.push('login answered');
      assert.deepEqual(log, [
        'hash checked',
        'other I/O (sent at hash checked)',
        'session written with audit login.success',
        'other I/O (sent at session written with audit login.success)',
        'login answered',
      ]);
      const [session] = await store.sessions.listForUser(
        (await store.users.getByEmail('alice@example.com'))!.id,
        0,
      );
      const audited = await store.audit.query({ type: 'login.success', limit: 2 });
      assert.deepEqual(
        audited.map((event) => event.sessionId),
        [session!.id],
        'one login.success event, of that session',
      );
    } finally {
      pair.close();
    }
  });
});

describe('createAuth: a login that starts its refresh family', () => {
  it('stores the session, its first refresh token and its audit event in one write', async () => {
    const t = setup();
    await t.auth.register({ email: 'alice@example.com', password });
    const login = await t.auth.login({
      email: 'alice@example.com',
      password,
      strategy: 'hybrid',
      refreshToken: { clientId: 'mobile-app' },
    });
    assert.ok(login.refreshToken, 'the token is in the result');
    assert.equal(login.refreshToken.split('.')[1], 'mobile-app', 'bound to the client');
    assert.equal((await t.auth.getRefreshTokenSession(login.refreshToken))?.id, login.session.id);
    const rotated = await t.auth.rotateRefreshToken(login.refreshToken);
    assert.equal(rotated.session.id, login.session.id);
    const audited = await t.store.audit.query({ type: 'login.success', limit: 5 });
    assert.deepEqual(
      audited.map((event) => event.sessionId),
      [login.session.id],
    );
  });

  it('refuses a refresh token for a cookie session before anything is checked or stored', async () => {
    const t = setup();
    await t.auth.register({ email: 'alice@example.com', password });
    const verified = t.calls.verify;
    await assert.rejects(
      t.auth.login({ email: 'alice@example.com', password, strategy: 'session', refreshToken: {} }),
      TypeError,
    );
    assert.equal(t.calls.verify, verified, 'no hash spent');
    const user = await t.store.users.getByEmail('alice@example.com');
    assert.deepEqual(await t.store.sessions.listForUser(user!.id, t.clock.now()), []);
  });
});

describe('createAuth: refresh-token lookup and revocation (RFC 7009)', () => {
  it('names the session of a live or rotated refresh token without spending it; null otherwise', async () => {
    const t = setup();
    await t.auth.register({ email: 'alice@example.com', password });
    const login = await t.auth.login({ email: 'alice@example.com', password, strategy: 'token' });
    const first = await t.auth.issueRefreshToken(login.session);
    assert.equal((await t.auth.getRefreshTokenSession(first))?.id, login.session.id);
    const { refreshToken: second } = await t.auth.rotateRefreshToken(first);
    assert.equal((await t.auth.getRefreshTokenSession(first))?.id, login.session.id, 'rotated');
    assert.equal((await t.auth.getRefreshTokenSession(second))?.id, login.session.id);
    assert.equal((await t.auth.rotateRefreshToken(second)).session.id, login.session.id, 'still live');
    for (const bad of ['A'.repeat(43), 'short', 42, undefined, login.sessionToken]) {
      assert.equal(await t.auth.getRefreshTokenSession(bad), null);
    }
  });

  it('revokeByRefreshToken ends the session and family, publishes and audits it; false for unknown tokens', async () => {
    const t = setup();
    await t.auth.register({ email: 'alice@example.com', password });
    const login = await t.auth.login({ email: 'alice@example.com', password, strategy: 'token' });
    const other = await t.auth.login({ email: 'alice@example.com', password, strategy: 'token' });
    const token = await t.auth.issueRefreshToken(login.session);
    const otherToken = await t.auth.issueRefreshToken(other.session);

    assert.equal(await t.auth.revokeByRefreshToken('A'.repeat(43)), false);
    assert.equal(await t.auth.revokeByRefreshToken(token), true);
    assert.equal(await t.store.sessions.get(login.session.id), null);
    await assert.rejects(t.auth.rotateRefreshToken(token), { code: 'ERR_REFRESH_INVALID' });
    assert.equal(await t.auth.revokeByRefreshToken(token), false, 'already gone');
    assert.deepEqual(
      t.published.map((event) => event.type === 'session' && event.sid),
      [login.session.id],
    );
    const [audit] = await t.store.audit.query({ type: 'session.revoked', limit: 10 });
    assert.deepEqual(audit?.data, { reason: 'token_revoked' });
    assert.equal((await t.auth.rotateRefreshToken(otherToken)).session.id, other.session.id);
  });
});

describe('createAuth: changePassword', () => {
  const newPassword = 'an entirely new passphrase';

  async function signedIn(t: ReturnType<typeof setup>) {
    await t.auth.register({ email: 'alice@example.com', password });
    const current = await t.auth.login({ email: 'alice@example.com', password, strategy: 'hybrid' });
    const other = await t.auth.login({ email: 'alice@example.com', password });
    return { current, other };
  }

  it('stores the new hash, replaces the current session with a new one of its strategy, ends the others', async () => {
    const t = setup();
    const { current, other } = await signedIn(t);
    t.clock.advance(MINUTE);
    const result = await t.auth.changePassword({
      user: current.user,
      session: current.session,
      currentPassword: password,
      newPassword,
    });
    assert.notEqual(result.session.id, current.session.id);
    assert.equal(result.session.strategy, 'hybrid');
    assert.equal(result.user.passwordChangedAt, t.clock.now());
    assert.equal(await t.store.sessions.get(current.session.id), null);
    assert.equal(await t.store.sessions.get(other.session.id), null);
    assert.deepEqual(await t.store.sessions.get(result.session.id), result.session);
    // One `user` event; the new session's tokens (issued from this second on) are not covered.
    assert.deepEqual(
      t.published.map((event) => event.type === 'user' && [event.sub, event.before]),
      [[current.user.id, Math.floor(t.clock.now() / 1000) * 1000]],
    );
    await assert.rejects(t.auth.login({ email: 'alice@example.com', password }), InvalidCredentialsError);
    await t.auth.login({ email: 'alice@example.com', password: newPassword });
    assert.equal((await t.store.audit.query({ type: 'password.changed', limit: 5 })).length, 1);
  });

  it('refuses a wrong current password with InvalidCredentialsError and changes nothing', async () => {
    const t = setup();
    const { current, other } = await signedIn(t);
    for (const currentPassword of ['not the right passphrase', 42, undefined, 'x'.repeat(1000)]) {
      await assert.rejects(
        t.auth.changePassword({ user: current.user, session: current.session, currentPassword, newPassword }),
        InvalidCredentialsError,
      );
    }
    assert.notEqual(await t.store.sessions.get(current.session.id), null);
    assert.notEqual(await t.store.sessions.get(other.session.id), null);
    await t.auth.login({ email: 'alice@example.com', password });
    assert.equal((await t.store.audit.query({ type: 'password.change_failed', limit: 10 })).length, 4);
  });

  it("with refreshToken, starts the new session's refresh family in the session's own write", async () => {
    const t = setup();
    const { current } = await signedIn(t);
    const created: (string | undefined)[] = [];
    const { create } = t.store.sessions;
    t.store.sessions.create = (session, audit, refreshTokenHash) => {
      created.push(refreshTokenHash);
      return create(session, audit, refreshTokenHash);
    };
    const issue = t.store.refreshTokens.issue;
    t.store.refreshTokens.issue = () => assert.fail('no write of its own for the refresh token');
    const result = await t.auth.changePassword({
      user: current.user,
      session: current.session,
      currentPassword: password,
      newPassword,
      refreshToken: { clientId: 'mobile-app' },
    });
    t.store.refreshTokens.issue = issue;
    assert.ok(result.refreshToken, 'the token is in the result');
    assert.equal(result.refreshToken.split('.')[1], 'mobile-app', 'bound to the client');
    assert.equal(created.length, 1);
    assert.ok(created[0], 'the session was stored with its refresh token');
    assert.equal((await t.auth.getRefreshTokenSession(result.refreshToken))?.id, result.session.id);
    assert.equal((await t.auth.rotateRefreshToken(result.refreshToken)).session.id, result.session.id);
  });

  it('refuses refreshToken for a cookie session before any hash or change', async () => {
    const t = setup();
    await t.auth.register({ email: 'alice@example.com', password });
    const cookie = await t.auth.login({ email: 'alice@example.com', password });
    const before = t.calls.hash + t.calls.verify;
    await assert.rejects(
      t.auth.changePassword({
        user: cookie.user,
        session: cookie.session,
        currentPassword: password,
        newPassword,
        refreshToken: {},
      }),
      TypeError,
    );
    assert.equal(t.calls.hash + t.calls.verify, before, 'no hash spent');
    assert.deepEqual(await t.store.sessions.get(cookie.session.id), cookie.session);
    assert.equal(
      (await t.store.users.getById(cookie.user.id))?.passwordChangedAt,
      cookie.user.passwordChangedAt,
    );
  });

  it('refuses a weak new password before spending a hash', async () => {
    const t = setup();
    const { current } = await signedIn(t);
    const before = t.calls.hash + t.calls.verify;
    await assert.rejects(
      t.auth.changePassword({
        user: current.user,
        session: current.session,
        currentPassword: password,
        newPassword: 'short',
      }),
      PasswordPolicyError,
    );
    assert.equal(t.calls.hash + t.calls.verify, before);
    assert.notEqual(await t.store.sessions.get(current.session.id), null);
  });
});
