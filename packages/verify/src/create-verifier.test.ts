import assert from 'node:assert/strict';
import { createInProcessFeed } from '@gatehouse/core';
import { createManualClock } from '@gatehouse/core/testing';
import { describe, it } from 'node:test';
import { createVerifier } from './create-verifier.ts';
import { audience, createFixture, createSilentFeed, createTestKey, issuer } from './testing/fixture.ts';
import type { VerifierOptions } from './types.ts';

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

describe('createVerifier: options', () => {
  const key = createTestKey('k1');
  const valid: VerifierOptions = {
    issuer,
    audience,
    algorithms: ['ES256'],
    jwks: { keys: [key.jwk] },
    feed: createSilentFeed(),
  };

  it('accepts a complete configuration', () => {
    assert.equal(typeof createVerifier(valid).verifyRequest, 'function');
  });

  const broken: [string, Partial<Record<keyof VerifierOptions, unknown>>][] = [
    ['missing issuer', { issuer: undefined }],
    ['empty issuer', { issuer: '' }],
    ['missing audience', { audience: undefined }],
    ['missing algorithms', { algorithms: undefined }],
    ['empty algorithms', { algorithms: [] }],
    ['HS256', { algorithms: ['HS256'] }],
    ['none', { algorithms: ['none'] }],
    ['neither jwks nor jwksUrl', { jwks: undefined }],
    ['both jwks and jwksUrl', { jwksUrl: 'https://auth.test/jwks' }],
    ['jwks without keys', { jwks: {} }],
    ['a jwk that cannot be imported', { jwks: { keys: [{ kty: 'EC', kid: 'x', crv: 'P-256', x: 'AA' }] } }],
    ['a jwk without kid', { jwks: { keys: [{ ...key.jwk, kid: undefined }] } }],
    ['plain-http jwksUrl off loopback', { jwks: undefined, jwksUrl: 'http://auth.test/jwks' }],
    ['relative jwksUrl', { jwks: undefined, jwksUrl: '/jwks' }],
    ['missing feed', { feed: undefined }],
    ['feed without follow', { feed: { snapshot: async () => ({ events: [], cursor: '' }) } }],
    ['zero maxStalenessMs', { maxStalenessMs: 0 }],
    ['fractional maxStalenessMs', { maxStalenessMs: 1.5 }],
    ['unknown onStale', { onStale: 'fail-open' }],
    ["'introspect' without introspect", { onStale: 'introspect' }],
    ['non-function validateSession', { validateSession: 'yes' }],
    ['negative cache size', { cache: { maxEntries: -1 } }],
    ['no upstream call at once', { upstream: { maxConcurrent: 0 } }],
    ['a fractional upstream queue', { upstream: { maxQueued: 2.5 } }],
  ];
  for (const [name, change] of broken) {
    it(`throws TypeError for ${name}`, () => {
      assert.throws(() => createVerifier({ ...valid, ...change } as VerifierOptions), TypeError);
    });
  }

  it('allows plain http for a loopback jwksUrl', () => {
    createVerifier({ ...valid, jwks: undefined, jwksUrl: 'http://127.0.0.1:8080/jwks' });
  });

  it('skips keys for other algorithms or uses instead of failing', async () => {
    const rsaLike = { ...createTestKey('k2').jwk, alg: 'RS256' };
    const encryption = { ...createTestKey('k3').jwk, use: 'enc' };
    createVerifier({ ...valid, jwks: { keys: [key.jwk, rsaLike, encryption] } });
  });
});

describe('createVerifier: access tokens', () => {
  it('accepts a valid ES256 token with its principal', async () => {
    const t = await createFixture();
    const { token, claims } = await t.sign({ roles: ['reader', 'writer'] });
    const result = await t.verifier.verifyRequest(bearer(token));
    assert.deepEqual(result, {
      ok: true,
      principal: {
        sub: 'user-1',
        sid: 'session-1',
        roles: ['reader', 'writer'],
        strategy: 'jwt',
        exp: claims.exp,
      },
    });
    assert.ok(result.ok && Object.isFrozen(result.principal) && Object.isFrozen(result.principal.roles));
    await t.stop();
  });

  it('gives each token a frozen principal with its own claims, first sight and cache hit alike', async () => {
    const t = await createFixture();
    const plain = await t.sign({ roles: ['reader'] });
    const client = await t.sign({
      sub: 'user-2',
      sid: 'session-2',
      roles: ['reader', 'admin'],
      clientId: 'app-1',
    });
    const expected = {
      sub: 'user-2',
      sid: 'session-2',
      roles: ['reader', 'admin'],
      strategy: 'jwt',
      exp: client.claims.exp,
      clientId: 'app-1',
    };
    for (let round = 0; round < 2; round++) {
      const a = await t.verifier.verifyRequest(bearer(plain.token));
      const b = await t.verifier.verifyRequest(bearer(client.token));
      assert.ok(a.ok && b.ok);
      assert.deepEqual(b.principal, expected);
      assert.deepEqual(a.principal.roles, ['reader']);
      assert.equal('clientId' in a.principal, false);
      for (const principal of [a.principal, b.principal]) {
        assert.ok(Object.isFrozen(principal) && Object.isFrozen(principal.roles));
        assert.throws(() => (principal.roles as string[]).push('root'), TypeError);
      }
    }
    assert.equal(t.verifier.metrics().cacheHits, 2);
    await t.stop();
  });

  it('answers with a promise, rejected rather than thrown when the request cannot be read', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const accepted = t.verifier.verifyRequest(bearer(token));
    assert.ok(accepted instanceof Promise);
    assert.equal((await accepted).ok, true);
    const unreadable = t.verifier.verifyRequest({ headers: undefined } as never);
    assert.ok(unreadable instanceof Promise);
    await assert.rejects(unreadable, TypeError);
    await t.stop();
  });

  it('passes the core verdict through for bad tokens', async () => {
    const t = await createFixture();
    const { token } = await t.sign();
    const [header, payload] = token.split('.');
    const otherKeySameKid = await t.signerFor(createTestKey('k1')).sign({ sub: 'user-1', sid: 'session-1' });
    const cases: [string, string][] = [
      ['ERR_TOKEN_MALFORMED', 'not-a-jwt'],
      ['ERR_TOKEN_SIGNATURE', otherKeySameKid.token],
      [
        'ERR_TOKEN_ALG',
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: 'k1' })).toString('base64url')}.${payload}.`,
      ],
      ['ERR_TOKEN_KID', (await t.signerFor(createTestKey('unknown')).sign({ sub: 'u', sid: 's' })).token],
      ['ERR_TOKEN_SIGNATURE', `${header}.${payload}.${'A'.repeat(86)}`],
    ];
    for (const [code, bad] of cases) {
      assert.deepEqual(await t.verifier.verifyToken(bad), { ok: false, status: 401, code }, code);
    }
    await t.stop();
  });

  it('refuses a token for another audience or issuer', async () => {
    const t = await createFixture();
    const other = createVerifier({
      issuer,
      audience: 'billing-api',
      algorithms: ['ES256'],
      jwks: { keys: [t.key.jwk] },
      feed: t.feed,
      clock: t.clock,
    });
    await other.start();
    const { token } = await t.sign();
    assert.deepEqual(await other.verifyToken(token), { ok: false, status: 401, code: 'ERR_TOKEN_CLAIMS' });
    await other.stop();
    await t.stop();
  });

  it('refuses after a session event for its sid, and only that session', async () => {
    const t = await createFixture();
    const { token, claims } = await t.sign();
    const { token: otherSession } = await t.sign({ sid: 'session-2' });
    await t.feed.publish([{ type: 'session', sid: 'session-1', sub: 'user-1', until: claims.exp * 1000 }]);
    assert.deepEqual(await t.verifier.verifyToken(token), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_REVOKED',
    });
    assert.equal((await t.verifier.verifyToken(otherSession)).ok, true);
    await t.stop();
  });

  it('refuses after a user event with before > iat*1000, and accepts tokens issued later', async () => {
    const t = await createFixture();
    const { token, claims } = await t.sign();
    t.advance(1000);
    await t.feed.publish([
      { type: 'user', sub: 'user-1', before: t.clock.now(), until: t.clock.now() + 600_000 },
    ]);
    assert.deepEqual(await t.verifier.verifyToken(token), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_REVOKED',
    });
    assert.ok(claims.iat * 1000 < t.clock.now());
    const { token: fresh } = await t.sign();
    assert.equal((await t.verifier.verifyToken(fresh)).ok, true, 'issued at `before` is not before it');
    await t.stop();
  });

  it('refuses after a token event for its jti', async () => {
    const t = await createFixture();
    const { token, claims } = await t.sign();
    const { token: sibling } = await t.sign();
    await t.feed.publish([{ type: 'token', jti: claims.jti, until: claims.exp * 1000 }]);
    assert.deepEqual(await t.verifier.verifyToken(token), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_REVOKED',
    });
    assert.equal((await t.verifier.verifyToken(sibling)).ok, true, 'same session, other jti');
    await t.stop();
  });

  it('refuses after a key event for its kid', async () => {
    const t = await createFixture();
    const { token, claims } = await t.sign();
    await t.feed.publish([{ type: 'key', kid: 'k1', until: claims.exp * 1000 }]);
    assert.deepEqual(await t.verifier.verifyToken(token), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_REVOKED',
    });
    await t.stop();
  });

  it('learns revocations published before it started from the snapshot', async () => {
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
    await feed.publish([{ type: 'session', sid: 'session-1', sub: 'user-1', until: clock.now() + 600_000 }]);
    const t = await createFixture({ feed, clock });
    const { token } = await t.sign();
    assert.deepEqual(await t.verifier.verifyToken(token), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_REVOKED',
    });
    await t.stop();
  });

  it('keeps refusing through the exp leeway: the revocation outlives until', async () => {
    const t = await createFixture();
    const { token, claims } = await t.sign();
    await t.feed.publish([{ type: 'session', sid: 'session-1', sub: 'user-1', until: claims.exp * 1000 }]);
    t.clock.set(claims.exp * 1000 + 20_000); // past exp, inside the 30 s leeway
    t.feed.heartbeat();
    await t.feed.publish([{ type: 'token', jti: 'unrelated', until: t.clock.now() + 600_000 }]); // triggers a lazy prune
    assert.deepEqual(await t.verifier.verifyToken(token), {
      ok: false,
      status: 401,
      code: 'ERR_TOKEN_REVOKED',
    });
    await t.stop();
  });
});
