import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAuth } from '../auth.ts';
import { RefreshTokenError } from '../errors.ts';
import type { RevocationEvent } from '../revocation/revocation-event.ts';
import { createFastHasher } from '../testing/fast-hasher.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { createMemoryStore } from '../testing/memory-store.ts';
import type { GatehouseStore, RotateRefreshInput } from '../store/types.ts';

const password = 'a long enough passphrase';

async function setup(refreshGraceMs = 10_000) {
  const clock = createManualClock();
  const store = createMemoryStore();
  const published: RevocationEvent[] = [];
  const auth = createAuth({
    store,
    clock,
    hasher: createFastHasher(),
    sessionPolicy: { refreshGraceMs },
    revocations: { publish: async (events) => void published.push(...events) },
  });
  await auth.register({ email: 'alice@example.com', password });
  const login = await auth.login({ email: 'alice@example.com', password, strategy: 'hybrid' });
  const first = await auth.issueRefreshToken(login.session);
  return { auth, clock, store, published, login, first };
}

const rejectsWith = (code: string) => (error: unknown) => {
  assert.ok(error instanceof RefreshTokenError);
  assert.equal(error.code, code);
  return true;
};

describe('rotateRefreshToken', () => {
  it('rotates to a new token; the old one is consumed', async () => {
    const t = await setup();
    const next = await t.auth.rotateRefreshToken(t.first);
    assert.notEqual(next.refreshToken, t.first);
    assert.equal(next.session.id, t.login.session.id);
    const third = await t.auth.rotateRefreshToken(next.refreshToken);
    assert.notEqual(third.refreshToken, next.refreshToken);
  });

  it('gives 50 concurrent refreshes of one token the same successor, with no theft alarm', async () => {
    const t = await setup();
    const results = await Promise.all(Array.from({ length: 50 }, () => t.auth.rotateRefreshToken(t.first)));
    assert.equal(new Set(results.map((r) => r.refreshToken)).size, 1);
    assert.equal(t.published.length, 0);
    assert.equal((await t.store.audit.query({ type: 'refresh.reuse_detected', limit: 10 })).length, 0);
    await t.auth.rotateRefreshToken(results[0]!.refreshToken);
  });

  it('gives a late retry the same successor while that successor was never used (a lost reply is no theft)', async () => {
    const t = await setup();
    const next = await t.auth.rotateRefreshToken(t.first);
    t.clock.advance(15 * 60_000);
    const again = await t.auth.rotateRefreshToken(t.first);
    assert.equal(again.refreshToken, next.refreshToken);
    assert.notEqual(await t.store.sessions.get(t.login.session.id), null);
    assert.deepEqual(t.published, []);
  });

  it('treats a replay after the successor was used, past the grace window, as theft: the family and session die', async () => {
    const t = await setup();
    const next = await t.auth.rotateRefreshToken(t.first);
    const later = await t.auth.rotateRefreshToken(next.refreshToken);
    t.clock.advance(10_001);
    await assert.rejects(t.auth.rotateRefreshToken(t.first), rejectsWith('ERR_REFRESH_REUSED'));
    await assert.rejects(t.auth.rotateRefreshToken(later.refreshToken), rejectsWith('ERR_REFRESH_INVALID'));
    assert.equal(await t.store.sessions.get(t.login.session.id), null);
    assert.deepEqual(
      t.published.map((e) => e.type === 'session' && e.sid),
      [t.login.session.id],
    );
    const audit = await t.store.audit.query({ type: 'refresh.reuse_detected', limit: 10 });
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.sessionId, t.login.session.id);
  });

  it('with grace 0, any replay after the successor was used is theft', async () => {
    const t = await setup(0);
    const next = await t.auth.rotateRefreshToken(t.first);
    await t.auth.rotateRefreshToken(next.refreshToken);
    await assert.rejects(t.auth.rotateRefreshToken(t.first), rejectsWith('ERR_REFRESH_REUSED'));
  });

  it('refuses malformed, unknown and expired tokens', async () => {
    const t = await setup();
    for (const bad of [undefined, '', 'x', 'a.b.c', 42]) {
      await assert.rejects(t.auth.rotateRefreshToken(bad), rejectsWith('ERR_REFRESH_INVALID'));
    }
    await assert.rejects(t.auth.rotateRefreshToken('A'.repeat(43)), rejectsWith('ERR_REFRESH_INVALID'));
    t.clock.advance(30 * 60_000 + 1);
    await assert.rejects(t.auth.rotateRefreshToken(t.first), rejectsWith('ERR_REFRESH_INVALID'));
  });

  it('refuses the family of a suspended user', async () => {
    const t = await setup();
    await t.store.users.update(t.login.user.id, { status: 'suspended' });
    await assert.rejects(t.auth.rotateRefreshToken(t.first), rejectsWith('ERR_REFRESH_INVALID'));
  });

  it('never refreshes past the absolute session lifetime', async () => {
    const t = await setup();
    let token = t.first;
    for (let elapsed = 0; elapsed < 12 * 60 - 20; elapsed += 20) {
      t.clock.advance(20 * 60_000);
      token = (await t.auth.rotateRefreshToken(token)).refreshToken;
    }
    t.clock.advance(20 * 60_000);
    await assert.rejects(t.auth.rotateRefreshToken(token), rejectsWith('ERR_REFRESH_INVALID'));
  });
});

/** The store's calls, by sub-store and method, as the core makes them. */
function recordingStore(
  store: GatehouseStore,
  calls: string[],
  overrides: { stripUser?: boolean } = {},
  lastArgs = new Map<string, unknown[]>(),
) {
  const wrap = <T extends object>(name: string, target: T): T =>
    new Proxy(target, {
      get(object, method, receiver) {
        const value = Reflect.get(object, method, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          calls.push(`${name}.${String(method)}`);
          lastArgs.set(`${name}.${String(method)}`, args);
          const result = await value.apply(object, args);
          // A store that does not read the user in the rotation (Redis, a store of one's own).
          if (overrides.stripUser && name === 'refreshTokens' && method === 'rotate' && result.user) {
            const { user: _user, ...rest } = result;
            return rest;
          }
          return result;
        };
      },
    });
  return {
    ...store,
    users: wrap('users', store.users),
    sessions: wrap('sessions', store.sessions),
    refreshTokens: wrap('refreshTokens', store.refreshTokens),
    audit: wrap('audit', store.audit),
  } satisfies GatehouseStore;
}

describe('rotateRefreshToken and the store', () => {
  async function recorded(overrides: { stripUser?: boolean } = {}) {
    const clock = createManualClock();
    const inner = createMemoryStore();
    const calls: string[] = [];
    const lastArgs = new Map<string, unknown[]>();
    const auth = createAuth({
      store: recordingStore(inner, calls, overrides, lastArgs),
      clock,
      hasher: createFastHasher(),
      revocations: { publish: async () => {} },
    });
    await auth.register({ email: 'alice@example.com', password });
    const login = await auth.login({
      email: 'alice@example.com',
      password,
      strategy: 'hybrid',
      refreshToken: {},
    });
    calls.length = 0;
    return { auth, clock, store: inner, calls, lastArgs, login, first: login.refreshToken! };
  }

  it('is one store call given the session the caller read (the routes): the rotation writes its audit event and returns the user', async () => {
    const t = await recorded();
    const context = { ip: '198.51.100.4', userAgent: 'rotating-client' };
    const session = await t.auth.getRefreshTokenSession(t.first);
    t.calls.length = 0;
    const rotated = await t.auth.rotateRefreshToken(t.first, context, { session });
    assert.deepEqual(t.calls, ['refreshTokens.rotate']);
    assert.equal(rotated.user.id, t.login.user.id);
    const [event] = await t.store.audit.query({ type: 'refresh.rotated', limit: 5 });
    assert.deepEqual(
      { ...event, id: undefined, data: undefined },
      {
        id: undefined,
        type: 'refresh.rotated',
        at: t.clock.now(),
        actorId: t.login.user.id,
        subjectId: t.login.user.id,
        sessionId: t.login.session.id,
        ip: context.ip,
        userAgent: context.userAgent,
        data: undefined,
      },
    );
  });

  it('hands the store the session the caller read for the token, or reads it first when not given (to count the rotation)', async () => {
    const t = await recorded();
    const session = await t.auth.getRefreshTokenSession(t.first);
    assert.ok(session);
    const rotated = await t.auth.rotateRefreshToken(t.first, undefined, { session });
    const [given] = t.lastArgs.get('refreshTokens.rotate') as [RotateRefreshInput];
    assert.deepEqual(given.presentedSession, session);
    t.calls.length = 0;
    await t.auth.rotateRefreshToken(rotated.refreshToken);
    assert.deepEqual(t.calls, ['refreshTokens.sessionFor', 'refreshTokens.rotate']);
    const [plain] = t.lastArgs.get('refreshTokens.rotate') as [RotateRefreshInput];
    assert.equal(plain.presentedSession?.id, session.id);
  });

  it("reads the user when the store's rotation does not return it", async () => {
    const t = await recorded({ stripUser: true });
    const session = await t.auth.getRefreshTokenSession(t.first);
    t.calls.length = 0;
    const rotated = await t.auth.rotateRefreshToken(t.first, undefined, { session });
    assert.deepEqual(t.calls, ['refreshTokens.rotate', 'users.getById']);
    assert.equal(rotated.user.id, t.login.user.id);
  });

  it("refuses a suspended user's token without spending it or auditing a rotation", async () => {
    const t = await recorded();
    await t.store.users.update(t.login.user.id, { status: 'suspended' });
    await assert.rejects(t.auth.rotateRefreshToken(t.first), rejectsWith('ERR_REFRESH_INVALID'));
    assert.deepEqual(await t.store.audit.query({ type: 'refresh.rotated', limit: 5 }), []);
    await t.store.users.update(t.login.user.id, { status: 'active' });
    // Still the live member of its family: it rotates (audited), not replays a stored successor.
    const rotated = await t.auth.rotateRefreshToken(t.first);
    const events = await t.store.audit.query({ type: 'refresh.rotated', limit: 5 });
    assert.deepEqual(
      events.map((event) => event.sessionId),
      [rotated.session.id],
    );
  });
});
