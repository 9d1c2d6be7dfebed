import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { GatehouseError } from '../errors.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { type AccessTokenSignerOptions, createAccessTokenSigner } from './sign-access-token.ts';

const clock = createManualClock();
const NOW = Math.floor(clock.now() / 1000);
const key = {
  kid: 'k1',
  alg: 'ES256' as const,
  privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
};
const options: AccessTokenSignerOptions = {
  issuer: 'https://auth',
  audience: 'api',
  keys: { getSigningKey: () => key },
  clock,
};
const decode = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString());

describe('createAccessTokenSigner', () => {
  it('signs the RFC 9068 header and claims, 600 s by default, roles only when given', async () => {
    const signer = createAccessTokenSigner(options);
    const { token, claims } = await signer.sign({ sub: 'u1', sid: 's1' });
    const [header, payload] = token.split('.') as [string, string];
    assert.deepEqual(decode(header), { alg: 'ES256', kid: 'k1', typ: 'at+jwt' });
    assert.deepEqual(Object.keys(decode(payload)).sort(), ['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
    assert.equal(claims.exp - claims.iat, 600);
    assert.equal(claims.iat, NOW);
    assert.match(claims.jti, /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual((await signer.sign({ sub: 'u1', sid: 's1' })).claims.jti, claims.jti);
    const withRoles = await signer.sign({ sub: 'u1', sid: 's1', roles: ['admin'] });
    assert.deepEqual(decode(withRoles.token.split('.')[1]!).roles, ['admin']);
  });

  it('dates iat from the session touch (issuedAt) when the signature falls in a later second, never later than now', async () => {
    const signer = createAccessTokenSigner(options);
    const at = clock.now();
    const touched = (Math.floor(at / 1000) - 1) * 1000 + 999;
    assert.equal((await signer.sign({ sub: 'u1', sid: 's1', issuedAt: touched })).claims.iat, NOW - 1);
    assert.equal((await signer.sign({ sub: 'u1', sid: 's1', issuedAt: at + 5_000 })).claims.iat, NOW);
    assert.equal((await signer.sign({ sub: 'u1', sid: 's1', issuedAt: at - 120_000 })).claims.iat, NOW);
  });

  it('never lets exp pass the session end', async () => {
    const signer = createAccessTokenSigner({ ...options, ttlSeconds: 900 });
    assert.equal(
      (await signer.sign({ sub: 'u', sid: 's', notAfter: clock.now() + 60_999 })).claims.exp,
      NOW + 60,
    );
    assert.equal(
      (await signer.sign({ sub: 'u', sid: 's', notAfter: clock.now() + 3_600_000 })).claims.exp,
      NOW + 900,
    );
    await assert.rejects(
      signer.sign({ sub: 'u', sid: 's', notAfter: clock.now() + 999 }),
      (error) => error instanceof GatehouseError && error.code === 'ERR_SESSION_EXPIRED',
    );
  });

  it('refuses lifetimes over 900 s and other bad configuration at creation', () => {
    for (const bad of [
      { ttlSeconds: 901 },
      { ttlSeconds: 0 },
      { ttlSeconds: 1.5 },
      { issuer: '' },
      { audience: undefined },
      { keys: undefined },
    ]) {
      assert.throws(
        () => createAccessTokenSigner({ ...options, ...bad } as AccessTokenSignerOptions),
        TypeError,
      );
    }
  });

  it('refuses bad subjects, roles and session ends', async () => {
    const signer = createAccessTokenSigner(options);
    for (const input of [
      { sub: '', sid: 's' },
      { sub: 'u', sid: 'x'.repeat(257) },
      { sub: 'u', sid: 's', roles: [1] },
      { sub: 'u', sid: 's', notAfter: Number.NaN },
    ]) {
      await assert.rejects(signer.sign(input as never), TypeError);
    }
  });

  it('signs with whatever key is active at the time of the call', async () => {
    let current = key;
    const signer = createAccessTokenSigner({ ...options, keys: { getSigningKey: () => current } });
    current = {
      ...key,
      kid: 'k2',
      privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    };
    assert.equal(decode((await signer.sign({ sub: 'u', sid: 's' })).token.split('.')[0]!).kid, 'k2');
  });
});
