import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createArgon2Hasher, defaultArgon2Params } from '@gatehouse/core';
import { parseImportedHash, withImportedHashes } from './imported-hash.ts';
import { keycloakCredentialHash } from './keycloak-credential.ts';
import { type ForeignHash, foreignHashes } from './test-foreign-hashes.ts';

const PASSWORDS = ['correct horse battery staple', 'crème brûlée au café ☕ 2024'];
/** The server's: Argon2id at the default parameters, which an imported Argon2id may be below. */
const hasher = withImportedHashes(createArgon2Hasher());

/** The stored form of a foreign hash: as written, or Keycloak's credential converted. */
function storedForm(made: ForeignHash): string {
  if ('passwordHash' in made.fields) return made.fields.passwordHash;
  const credential = (made.fields.credentials as Array<{ type: string }>).find(
    (entry) => entry.type === 'password',
  );
  const hash = keycloakCredentialHash(credential as Parameters<typeof keycloakCredentialHash>[0]);
  assert.ok(hash, made.source);
  return hash;
}

describe('password hashes of other systems', () => {
  let made: ForeignHash[];
  before(async () => {
    made = await foreignHashes(PASSWORDS);
  });

  it('verifies each with its password, refuses another, and flags it for rehashing', async () => {
    assert.equal(made.length, 11);
    for (const hash of made) {
      const stored = storedForm(hash);
      const scheme = parseImportedHash(stored)?.scheme ?? 'argon2id';
      assert.equal(scheme, hash.scheme, hash.source);
      assert.equal(await hasher.verify(stored, hash.password), true, hash.source);
      assert.equal(await hasher.verify(stored, `${hash.password}!`), false, hash.source);
      assert.equal(await hasher.verify(stored, hash.password.toUpperCase()), false, hash.source);
      assert.equal(hasher.needsRehash(stored), true, hash.source);
    }
  });

  it("reads the password as each system did: better-auth's NFKC, bytes as they are elsewhere", async () => {
    const composed = 'crème brûlée au café ☕ 2024';
    const decomposed = composed.normalize('NFD');
    assert.notEqual(decomposed, composed);
    for (const hash of made.filter((entry) => entry.password === composed)) {
      const expected = hash.scheme === 'better-auth-scrypt';
      assert.equal(await hasher.verify(storedForm(hash), decomposed), expected, hash.source);
    }
  });

  it("makes its own hashes Argon2id at the server's parameters, which need no rehash", async () => {
    const own = await hasher.hash(PASSWORDS[0]!);
    const { memoryKiB: m, passes: t, parallelism: p } = defaultArgon2Params;
    assert.ok(own.startsWith(`$argon2id$v=19$m=${m},t=${t},p=${p}$`), own);
    assert.equal(parseImportedHash(own), null);
    assert.equal(hasher.needsRehash(own), false);
    assert.equal(await hasher.verify(own, PASSWORDS[0]!), true);
  });

  it('does not recognise a hash whose cost is past its bound, or any other text, and verifies nothing against it', async () => {
    const bcrypt = made.find((entry) => entry.scheme === 'bcrypt')!;
    const django = made.find((entry) => entry.source === 'django pbkdf2_sha256')!;
    const passlib = made.find((entry) => entry.source === 'passlib pbkdf2_sha256')!;
    const refused = [
      storedForm(bcrypt).replace(/^\$2b\$10\$/, '$2b$15$'),
      storedForm(bcrypt).replace(/^\$2b\$10\$/, '$2b$03$'),
      storedForm(django).replace('$260000$', '$2000001$'),
      storedForm(passlib).replace('$29000$', '$9999999$'),
      'pbkdf2_md5$1000$salt$aGVsbG8gd29ybGQgaGVsbG8=',
      `${'a'.repeat(32)}:${'b'.repeat(127)}`,
      'plaintext password',
      '',
    ];
    for (const stored of refused) {
      assert.equal(parseImportedHash(stored), null, stored);
      assert.equal(await hasher.verify(stored, bcrypt.password), false, stored);
      assert.equal(hasher.needsRehash(stored), true, stored);
    }
  });

  it('converts only a Keycloak password credential it can verify', () => {
    const keycloak = made.find((entry) => entry.source === 'keycloak argon2')!;
    const credential = (keycloak.fields as { credentials: Array<Record<string, string>> }).credentials[1]!;
    const data = JSON.parse(credential['credentialData']!) as Record<string, unknown>;
    const variants: Array<Record<string, unknown>> = [
      { ...credential, type: 'otp' },
      { ...credential, secretData: 'not json' },
      { ...credential, credentialData: JSON.stringify({ ...data, algorithm: 'sha512-crypt' }) },
      {
        ...credential,
        credentialData: JSON.stringify({
          ...data,
          additionalParameters: { ...(data['additionalParameters'] as object), type: ['i'] },
        }),
      },
    ];
    for (const variant of variants)
      assert.equal(keycloakCredentialHash(variant as { secretData: unknown; credentialData: unknown }), null);
    assert.match(keycloakCredentialHash(credential as never) ?? '', /^\$argon2id\$v=19\$m=7168,t=5,p=1\$/);
  });
});
