import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createArgon2Hasher, defaultArgon2Params } from './password-hasher.ts';

describe('createArgon2Hasher', () => {
  const hasher = createArgon2Hasher({ memoryKiB: 256, passes: 1, parallelism: 1 });

  it('produces a PHC argon2id string that verifies only the right password', async () => {
    const encoded = await hasher.hash('correct horse battery staple');
    assert.match(encoded, /^\$argon2id\$v=19\$m=256,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    assert.equal(await hasher.verify(encoded, 'correct horse battery staple'), true);
    assert.equal(await hasher.verify(encoded, 'correct horse battery stapl'), false);
    assert.equal(await hasher.verify(encoded, 'correct horse battery staple '), false);
  });

  it('salts every hash', async () => {
    assert.notEqual(await hasher.hash('same password here'), await hasher.hash('same password here'));
  });

  it('never truncates: passwords differing only after byte 72 differ', async () => {
    const base = 'x'.repeat(100);
    const encoded = await hasher.hash(`${base}a`);
    assert.equal(await hasher.verify(encoded, `${base}b`), false);
  });

  it('rejects malformed or foreign stored hashes instead of throwing', async () => {
    for (const stored of [
      '',
      'plain',
      '$2b$10$abcdefghijklmnopqrstuv',
      '$argon2i$v=19$m=256,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA',
    ]) {
      assert.equal(await hasher.verify(stored, 'whatever password'), false);
    }
  });

  it('flags hashes made with weaker parameters for rehash', async () => {
    const strong = createArgon2Hasher(defaultArgon2Params);
    const weak = await hasher.hash('a password to upgrade');
    assert.equal(strong.needsRehash(weak), true);
    assert.equal(hasher.needsRehash(weak), false);
  });

  it('uses the OWASP defaults: m=19 MiB, t=2, p=1', () => {
    assert.deepEqual(defaultArgon2Params, { memoryKiB: 19456, passes: 2, parallelism: 1 });
  });
});
