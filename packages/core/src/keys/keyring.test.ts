import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { GatehouseError, TokenError } from '../errors.ts';
import type { KeyStore, SigningAlgorithm } from '../store/types.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { createMemoryStore } from '../testing/memory-store.ts';
import { createAccessTokenSigner } from '../token/sign-access-token.ts';
import { createAccessTokenVerifier } from '../token/verify-access-token.ts';
import { createKeyring, type KeyringOptions } from './keyring.ts';

const DAY_MS = 24 * 60 * 60_000;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

function setup(algorithm: SigningAlgorithm = 'ES256', options: Partial<KeyringOptions> = {}) {
  const clock = createManualClock();
  const store = createMemoryStore().keys;
  const kek = randomBytes(32);
  const keyring = createKeyring({ store, kek, clock, algorithm, ...options });
  const signer = createAccessTokenSigner({ issuer: 'https://auth', audience: 'api', keys: keyring, clock });
  const verifier = createAccessTokenVerifier({
    issuer: 'https://auth',
    audience: 'api',
    algorithms: [algorithm],
    getKey: keyring.getVerificationKey,
    clock,
  });
  const issue = async () => (await signer.sign({ sub: 'user-1', sid: 'session-1' })).token;
  return { clock, store, kek, keyring, verifier, issue };
}

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid;

function rejectsWith(verify: () => unknown, code: TokenError['code']) {
  assert.throws(verify, (error) => error instanceof TokenError && error.code === code);
}

describe('keyring: JWKS', () => {
  const expectedMembers: Record<string, string[]> = {
    ES256: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
    EdDSA: ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
    RS256: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
  };
  for (const [algorithm, members] of Object.entries(expectedMembers)) {
    it(`publishes public members only for ${algorithm}, active and retired`, async () => {
      const { keyring, clock } = setup(algorithm as SigningAlgorithm);
      const first = await keyring.rotate();
      clock.advance(1000);
      const second = await keyring.rotate();
      const { keys } = keyring.jwks();
      assert.deepEqual(
        keys.map((key) => key.kid),
        [second, first],
      );
      for (const key of keys) {
        assert.deepEqual(Object.keys(key).sort(), members);
        for (const member of PRIVATE_MEMBERS) assert.equal(member in key, false, `${member} published`);
        assert.equal(key.alg, algorithm);
        assert.equal(key.use, 'sig');
      }
      assert.throws(() => {
        (keyring.jwks().keys as unknown[]).push({});
      }, TypeError);
    });
  }

  it('publishes nothing for HS256 and stores no public JWK', async () => {
    const { keyring, store } = setup('HS256');
    await keyring.ensureActiveKey();
    assert.deepEqual(keyring.jwks(), { keys: [] });
    assert.equal((await store.list())[0]!.publicJwk, '');
  });
});

describe('keyring: rotation, retirement and revocation', () => {
  it('creates a key when there is none and rotates it after 7 days', async () => {
    const { keyring, clock } = setup();
    const created = await keyring.ensureActiveKey();
    assert.equal(created.rotated, true);
    clock.advance(7 * DAY_MS - 1);
    assert.deepEqual(await keyring.ensureActiveKey(), { kid: created.kid, rotated: false });
    clock.advance(1);
    const rotated = await keyring.ensureActiveKey();
    assert.equal(rotated.rotated, true);
    assert.notEqual(rotated.kid, created.kid);
    assert.equal(keyring.getSigningKey().kid, rotated.kid);
  });

  it('keeps verifying a token signed before a rotation', async () => {
    const { keyring, verifier, issue } = setup('EdDSA');
    await keyring.ensureActiveKey();
    const before = await issue();
    await keyring.rotate();
    const after = await issue();
    assert.notEqual(kidOf(before), kidOf(after));
    assert.equal(verifier.verify(before).sub, 'user-1');
    assert.equal(verifier.verify(after).sub, 'user-1');
  });

  it('forgets a retired key once pruned after retainRetiredMs', async () => {
    const { keyring, verifier, issue, clock } = setup('ES256', { retainRetiredMs: 60 * 60_000 });
    await keyring.ensureActiveKey();
    const token = await issue();
    const oldKid = kidOf(token);
    await keyring.rotate();
    clock.advance(5 * 60_000);
    assert.deepEqual(await keyring.pruneRetired(), []);
    assert.equal(verifier.verify(token).sub, 'user-1');

    clock.advance(55 * 60_000 + 1);
    assert.deepEqual(await keyring.pruneRetired(), [oldKid]);
    assert.equal(keyring.getVerificationKey(oldKid), null);
    assert.equal(
      keyring.jwks().keys.some((key) => key.kid === oldKid),
      false,
    );
    rejectsWith(() => verifier.verify(token), 'ERR_TOKEN_KID');
  });

  it('revoke(kid) fails tokens of that key at once', async () => {
    const { keyring, verifier, issue } = setup('RS256');
    await keyring.ensureActiveKey();
    const retiredToken = await issue();
    await keyring.rotate();
    const activeToken = await issue();

    assert.equal(await keyring.revoke(kidOf(retiredToken)), true);
    rejectsWith(() => verifier.verify(retiredToken), 'ERR_TOKEN_KID');
    assert.equal(verifier.verify(activeToken).sub, 'user-1');
  });

  it('revoking the active key rotates to a fresh one', async () => {
    const { keyring, verifier, issue } = setup();
    const { kid } = await keyring.ensureActiveKey();
    const token = await issue();
    assert.equal(await keyring.revoke(kid), true);
    rejectsWith(() => verifier.verify(token), 'ERR_TOKEN_KID');
    assert.notEqual(keyring.getSigningKey().kid, kid);
    assert.equal(keyring.jwks().keys.length, 1);
    assert.equal(verifier.verify(await issue()).sub, 'user-1');
  });

  it('has no signing key before the first load', () => {
    const { keyring } = setup();
    assert.throws(
      () => keyring.getSigningKey(),
      (error) => error instanceof GatehouseError && error.code === 'ERR_KEY_UNAVAILABLE',
    );
    assert.equal(keyring.getVerificationKey('anything'), null);
  });

  it('reloads from the store at most once per refreshIntervalMs', async () => {
    const clock = createManualClock();
    const inner = createMemoryStore().keys;
    let lists = 0;
    const store: KeyStore = {
      ...inner,
      list() {
        lists++;
        return inner.list();
      },
    };
    const keyring = createKeyring({ store, kek: randomBytes(32), clock, refreshIntervalMs: 60_000 });
    assert.equal(await keyring.refreshIfStale(), true);
    assert.deepEqual(await Promise.all([keyring.refreshIfStale(), keyring.refreshIfStale()]), [false, false]);
    clock.advance(60_000);
    assert.deepEqual(await Promise.all([keyring.refreshIfStale(), keyring.refreshIfStale()]), [true, false]);
    assert.equal(lists, 2);
  });

  it('sees a rotation made by another instance after a reload', async () => {
    const { keyring, store, kek, clock } = setup();
    await keyring.ensureActiveKey();
    const other = createKeyring({ store, kek, clock });
    const kid = await other.rotate();
    assert.equal(keyring.getVerificationKey(kid), null);
    await keyring.reload();
    assert.equal(keyring.getSigningKey().kid, kid);
  });
});

describe('keyring: keys at rest', () => {
  it('refuses a wrong KEK with a clear error, and reads keys under a previous KEK', async () => {
    const { keyring, store, kek } = setup();
    const { kid } = await keyring.ensureActiveKey();
    const wrong = createKeyring({ store, kek: randomBytes(32) });
    await assert.rejects(
      wrong.reload(),
      (error) =>
        error instanceof GatehouseError &&
        error.code === 'ERR_KEY_UNAVAILABLE' &&
        /wrong or rotated key-encryption key/.test(error.message),
    );
    const rotatedKek = createKeyring({ store, kek: randomBytes(32), previousKeks: [kek] });
    await rotatedKek.reload();
    assert.equal(rotatedKek.getSigningKey().kid, kid);
  });

  for (const algorithm of ['ES256', 'EdDSA', 'RS256', 'HS256'] as const) {
    it(`stores no raw ${algorithm} key material`, async () => {
      const { keyring, store } = setup(algorithm);
      await keyring.ensureActiveKey();
      const stored = JSON.stringify(await store.list());
      const { privateKey } = keyring.getSigningKey();
      const secrets =
        algorithm === 'HS256'
          ? [privateKey.export()]
          : [
              Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'),
              privateKey.export({ format: 'der', type: 'pkcs8' }),
            ];
      for (const bytes of secrets) {
        for (const encoding of ['base64url', 'base64', 'hex'] as const) {
          assert.equal(stored.includes(bytes.toString(encoding)), false, `${encoding} key bytes stored`);
        }
      }
    });
  }

  it('refuses a tampered public JWK, a swapped ciphertext and a changed algorithm', async () => {
    for (const tamper of ['publicJwk', 'swap', 'alg'] as const) {
      const { keyring, store, kek } = setup();
      await keyring.rotate();
      await keyring.rotate();
      const [newer, older] = await store.list();
      const attacker = setup();
      await attacker.keyring.rotate();
      const [planted] = await attacker.store.list();
      const records = {
        publicJwk: [{ ...newer!, publicJwk: planted!.publicJwk }],
        swap: [{ ...newer!, privateKeyCipher: older!.privateKeyCipher }],
        alg: [{ ...newer!, alg: 'EdDSA' as const }],
      }[tamper];
      const reader = createKeyring({ store: { ...store, list: async () => records }, kek });
      await assert.rejects(
        reader.reload(),
        (error) => error instanceof GatehouseError && error.code === 'ERR_KEY_UNAVAILABLE',
        tamper,
      );
    }
  });

  it('validates its options eagerly', () => {
    const store = createMemoryStore().keys;
    const bad: Partial<KeyringOptions>[] = [
      { kek: randomBytes(16) },
      { kek: 'x'.repeat(32) as unknown as Uint8Array },
      { algorithm: 'none' as SigningAlgorithm },
      { retainRetiredMs: 15 * 60_000 },
      { rotationIntervalMs: 0 },
      { refreshIntervalMs: Number.NaN },
    ];
    for (const options of bad) {
      assert.throws(() => createKeyring({ store, kek: randomBytes(32), ...options }), TypeError);
    }
  });
});
