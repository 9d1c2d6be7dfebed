import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createAuth } from '../auth.ts';
import { TokenError } from '../errors.ts';
import { createKeyring } from '../keys/keyring.ts';
import type { Strategy } from '../store/types.ts';
import { createFastHasher } from '../testing/fast-hasher.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { createMemoryStore } from '../testing/memory-store.ts';
import { createAccessTokens } from './access-tokens.ts';
import { createAccessTokenSigner } from './sign-access-token.ts';

const MINUTE = 60_000;
const password = 'a long enough passphrase';
const noContext = { ip: null, userAgent: null };

async function setup(options: { absoluteTtlMs?: number } = {}) {
  const clock = createManualClock();
  const store = createMemoryStore();
  const auth = createAuth({
    store,
    clock,
    hasher: createFastHasher(),
    sessionPolicy: options.absoluteTtlMs ? { absoluteTtlMs: options.absoluteTtlMs } : {},
  });
  const kek = randomBytes(32);
  const keyring = createKeyring({ store: store.keys, kek, clock });
  await keyring.ensureActiveKey();
  const accessTokens = createAccessTokens({
    auth,
    keyring,
    issuer: 'https://auth.example.com',
    audience: 'api',
    algorithms: ['ES256'],
    clock,
  });
  await auth.register({ email: 'ada@example.com', password, roles: ['editor'] });
  const user = (await store.users.getByEmail('ada@example.com'))!;
  const start = (strategy: Strategy) => auth.createSession({ user, strategy, context: noContext });
  return { clock, store, auth, kek, keyring, accessTokens, user, start };
}

function rejectsWith(promise: Promise<unknown>, code: TokenError['code']) {
  return assert.rejects(promise, (error) => error instanceof TokenError && error.code === code);
}

describe('createAccessTokens', () => {
  it('issues a token for a hybrid or token session and authenticates it against the live session', async () => {
    const { accessTokens, user, start } = await setup();
    for (const strategy of ['hybrid', 'token'] as const) {
      const { session } = await start(strategy);
      const issued = await accessTokens.issue(user, session);
      assert.equal(issued.expiresIn, 600);
      assert.deepEqual(
        { sub: issued.claims.sub, sid: issued.claims.sid, roles: issued.claims.roles },
        { sub: user.id, sid: session.id, roles: ['editor'] },
      );
      const principal = await accessTokens.authenticate(issued.accessToken);
      assert.equal(principal.user.id, user.id);
      assert.equal(principal.session.id, session.id);
      assert.deepEqual(principal.claims, issued.claims);
    }
  });

  it('never issues past the session: exp is the absolute expiry near its end', async () => {
    const { accessTokens, user, start, clock } = await setup({ absoluteTtlMs: 60 * MINUTE });
    const { session } = await start('token');
    clock.advance(55 * MINUTE);
    const issued = await accessTokens.issue(user, session);
    assert.equal(issued.claims.exp * 1000, session.absoluteExpiresAt);
    assert.equal(issued.expiresIn, 5 * 60);
  });

  it('refuses to issue for a cookie session or another user (programmer errors)', async () => {
    const { accessTokens, user, start } = await setup();
    const { session } = await start('session');
    await assert.rejects(accessTokens.issue(user, session), TypeError);
    const { session: hybrid } = await start('hybrid');
    await assert.rejects(accessTokens.issue({ ...user, id: 'someone-else' }, hybrid), TypeError);
  });

  it('refuses a token whose session was revoked, expired or whose user was suspended (ERR_TOKEN_REVOKED)', async () => {
    const { accessTokens, auth, store, user, start, clock } = await setup();
    const revoked = await start('hybrid');
    const revokedToken = (await accessTokens.issue(user, revoked.session)).accessToken;
    await auth.revokeSession({ sessionId: revoked.session.id, reason: 'logout', actorId: user.id });
    await rejectsWith(accessTokens.authenticate(revokedToken), 'ERR_TOKEN_REVOKED');
    // Signature and claims alone still pass: only the server-side check knows about the logout.
    assert.equal((await accessTokens.verify(revokedToken)).sid, revoked.session.id);

    const live = await start('token');
    const token = (await accessTokens.issue(user, live.session)).accessToken;
    await store.users.update(user.id, { status: 'suspended' });
    await rejectsWith(accessTokens.authenticate(token), 'ERR_TOKEN_REVOKED');
    await store.users.update(user.id, { status: 'active' });
    assert.equal((await accessTokens.authenticate(token)).session.id, live.session.id);

    // An idle-expired session ends its token although the token itself has minutes left.
    clock.advance(MINUTE);
    await store.sessions.touch(live.session.id, clock.now(), clock.now());
    await rejectsWith(accessTokens.authenticate(token), 'ERR_TOKEN_REVOKED');
  });

  it('refuses a validly signed token whose sid is a cookie session or another user’s', async () => {
    const { accessTokens, keyring, user, start, auth, store, clock } = await setup();
    const signer = createAccessTokenSigner({
      issuer: 'https://auth.example.com',
      audience: 'api',
      keys: keyring,
      clock,
    });
    const cookieSession = await start('session');
    const forged = await signer.sign({ sub: user.id, sid: cookieSession.session.id });
    await rejectsWith(accessTokens.authenticate(forged.token), 'ERR_TOKEN_CLAIMS');

    await auth.register({ email: 'bob@example.com', password });
    const bob = (await store.users.getByEmail('bob@example.com'))!;
    const { session: bobSession } = await auth.createSession({
      user: bob,
      strategy: 'token',
      context: noContext,
    });
    const swapped = await signer.sign({ sub: user.id, sid: bobSession.id });
    await rejectsWith(accessTokens.authenticate(swapped.token), 'ERR_TOKEN_CLAIMS');
  });

  it('sees a key another instance rotated to, reloading at most once per interval', async () => {
    const { accessTokens, store, kek, clock, user, start } = await setup();
    const reads = { count: 0 };
    const other = createKeyring({ store: store.keys, kek, clock });
    const { session } = await start('hybrid');
    await other.rotate();
    const otherTokens = createAccessTokens({
      auth: { getLiveSession: async () => null },
      keyring: other,
      issuer: 'https://auth.example.com',
      audience: 'api',
      algorithms: ['ES256'],
      clock,
    });
    const fromOther = (await otherTokens.issue(user, session)).accessToken;

    const list = store.keys.list.bind(store.keys);
    store.keys.list = async () => {
      reads.count++;
      return list();
    };
    // Loaded at set-up just now: the first unknown kid waits for the refresh interval.
    await rejectsWith(accessTokens.authenticate(fromOther), 'ERR_TOKEN_KID');
    assert.equal(reads.count, 0);
    clock.advance(MINUTE);
    assert.equal((await accessTokens.authenticate(fromOther)).session.id, session.id);
    assert.equal(reads.count, 1);

    const unknownKid = `${Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'nope', typ: 'at+jwt' })).toString('base64url')}${fromOther.slice(fromOther.indexOf('.'))}`;
    clock.advance(MINUTE);
    for (let attempt = 0; attempt < 20; attempt++) {
      await rejectsWith(accessTokens.authenticate(unknownKid), 'ERR_TOKEN_KID');
    }
    assert.equal(reads.count, 2, 'one reload for twenty unknown kids');
  });

  it('refuses what is not an access token with TokenError, never anything else', async () => {
    const { accessTokens, auth } = await setup();
    const { sessionToken } = await auth.login({ email: 'ada@example.com', password });
    for (const bad of [sessionToken, 'a'.repeat(43), '', 'x.y.z', 'a'.repeat(9000)]) {
      await assert.rejects(accessTokens.authenticate(bad), TokenError);
    }
  });
});
