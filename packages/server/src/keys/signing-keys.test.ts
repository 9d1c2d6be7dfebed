import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createAccessTokenSigner, createAccessTokenVerifier, type SigningAlgorithm } from '@gatehouse/core';
import { createManualClock, createMemoryStore } from '@gatehouse/core/testing';
import { acceptedAlgorithms, createConfiguredKeyring, prepareSigningKeys } from './signing-keys.ts';

const DAY_MS = 24 * 60 * 60_000;

function setup() {
  const clock = createManualClock();
  const store = createMemoryStore();
  const kek = randomBytes(32);
  const keyringFor = (signingAlgorithm: SigningAlgorithm, keyRotationDays = 7) =>
    createConfiguredKeyring({ signingAlgorithm, keyRotationDays }, store.keys, kek, clock);
  return { clock, store, kek, keyringFor };
}

describe('signing keys as the server runs them', () => {
  it('accepts HS256 alone, or the asymmetric algorithms together', () => {
    assert.deepEqual(acceptedAlgorithms('HS256'), ['HS256']);
    for (const algorithm of ['ES256', 'EdDSA', 'RS256'] as const) {
      assert.deepEqual(acceptedAlgorithms(algorithm), ['ES256', 'EdDSA', 'RS256']);
    }
  });

  it('creates the first key, keeps it, and rotates after the configured number of days', async () => {
    const { clock, keyringFor } = setup();
    const keyring = keyringFor('ES256', 3);
    const first = await prepareSigningKeys(keyring, 'ES256');
    assert.equal(await prepareSigningKeys(keyring, 'ES256'), first);
    clock.advance(3 * DAY_MS);
    assert.notEqual(await prepareSigningKeys(keyring, 'ES256'), first);
  });

  it('rotates to a newly configured algorithm, and the old key still verifies what it signed', async () => {
    const { clock, keyringFor } = setup();
    const before = keyringFor('ES256');
    await prepareSigningKeys(before, 'ES256');
    const signer = (keys: typeof before) =>
      createAccessTokenSigner({ issuer: 'https://auth', audience: 'api', keys, clock });
    const { token } = await signer(before).sign({ sub: 'u', sid: 's' });

    clock.advance(1000);
    const after = keyringFor('EdDSA');
    const kid = await prepareSigningKeys(after, 'EdDSA');
    assert.equal(after.getSigningKey().kid, kid);
    assert.equal(after.getSigningKey().alg, 'EdDSA');
    const verifier = createAccessTokenVerifier({
      issuer: 'https://auth',
      audience: 'api',
      algorithms: acceptedAlgorithms('EdDSA'),
      getKey: after.getVerificationKey,
      clock,
    });
    assert.equal(verifier.verify(token).sub, 'u');
    assert.equal(verifier.verify((await signer(after).sign({ sub: 'v', sid: 's' })).token).sub, 'v');
  });
});
