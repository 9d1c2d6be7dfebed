import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthorization } from './credentials.ts';
import { refuseCredential } from './refusal.ts';
import { KEY_EVENT_MARGIN_MS, revocationUntil } from './revocation-until.ts';

describe('parseAuthorization', () => {
  it('reads Bearer and DPoP in any case, with extra spaces around the token', () => {
    assert.deepEqual(parseAuthorization('Bearer   a.b.c  '), { scheme: 'Bearer', token: 'a.b.c' });
    assert.deepEqual(parseAuthorization('bEaReR a-b_c~+/=='), { scheme: 'Bearer', token: 'a-b_c~+/==' });
    assert.deepEqual(parseAuthorization('DPoP x.y.z'), { scheme: 'DPoP', token: 'x.y.z' });
    assert.deepEqual(parseAuthorization('dpop x.y.z'), { scheme: 'DPoP', token: 'x.y.z' });
  });

  it('takes a scheme with malformed credentials as an attempt at that scheme', () => {
    for (const value of ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer\ta.b.c', 'Bearer a,b', 'Bearer a=b'])
      assert.deepEqual(parseAuthorization(value), { scheme: 'Bearer', token: null }, value);
    for (const value of ['DPoP', 'DPoP\tx', 'DPoP x y'])
      assert.deepEqual(parseAuthorization(value), { scheme: 'DPoP', token: null }, value);
  });

  it('tells another scheme (or nothing) from no scheme at all', () => {
    for (const value of ['Basic dXNlcg==', 'Bearerx y', 'Digest a=b', '', '   '])
      assert.deepEqual(parseAuthorization(value), { scheme: 'other' }, value);
    for (const value of ['eyJhbGciOi.e30.sig', 'Basic', '!!! x'])
      assert.deepEqual(parseAuthorization(value), { scheme: 'invalid' }, value);
  });
});

describe('refuseCredential', () => {
  const challenge = (code: Parameters<typeof refuseCredential>[0], scheme?: 'DPoP') => {
    const refusal = refuseCredential(code, scheme);
    return [refusal.status, refusal.error, refusal.headers['www-authenticate']];
  };
  const algs = 'algs="ES256 ES384 EdDSA RS256 PS256"';

  it('answers no credentials with the bare Bearer challenge, a bad one with invalid_token', () => {
    assert.deepEqual(challenge('ERR_UNAUTHENTICATED'), [401, 'invalid_token', 'Bearer']);
    for (const code of ['ERR_TOKEN_EXPIRED', 'ERR_TOKEN_REVOKED', 'ERR_SESSION_INVALID'] as const)
      assert.deepEqual(challenge(code), [401, 'invalid_token', 'Bearer error="invalid_token"'], code);
  });

  it('answers binding, proof and nonce problems, and any refusal under DPoP, with the DPoP challenge', () => {
    assert.deepEqual(challenge('ERR_TOKEN_BINDING'), [
      401,
      'invalid_token',
      `DPoP error="invalid_token", ${algs}`,
    ]);
    assert.deepEqual(challenge('ERR_TOKEN_EXPIRED', 'DPoP'), [
      401,
      'invalid_token',
      `DPoP error="invalid_token", ${algs}`,
    ]);
    assert.deepEqual(challenge('ERR_DPOP_PROOF', 'DPoP'), [
      401,
      'invalid_dpop_proof',
      `DPoP error="invalid_dpop_proof", ${algs}`,
    ]);
    assert.deepEqual(challenge('ERR_DPOP_NONCE', 'DPoP'), [
      401,
      'use_dpop_nonce',
      `DPoP error="use_dpop_nonce", ${algs}`,
    ]);
  });
});

describe('revocationUntil', () => {
  it('covers the access-token lifetime, and a key event a margin longer', () => {
    assert.equal(revocationUntil('session', 1_000, 600_000), 601_000);
    assert.equal(revocationUntil('user', 1_000, 600_000), 601_000);
    assert.equal(revocationUntil('key', 1_000, 600_000), 601_000 + KEY_EVENT_MARGIN_MS);
  });
});
