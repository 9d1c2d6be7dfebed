import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createArgon2Hasher, createArgon2HasherOn, defaultArgon2Params } from './password-hasher.ts';

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

  it('refuses a stored hash asking more than 1 GiB, 256 passes or 16 lanes (or impossible ones) without hashing', async () => {
    let derived = 0;
    const counting = createArgon2HasherOn(async (_password, _salt, _params, tagLength) => {
      derived++;
      return Buffer.alloc(tagLength);
    });
    const tail = '$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    for (const params of [
      'm=9999999,t=2,p=1',
      'm=19456,t=257,p=1',
      'm=19456,t=2,p=999',
      'm=8,t=1,p=2',
      'm=19456,t=0,p=1',
    ]) {
      const stored = `$argon2id$v=19$${params}${tail}`;
      assert.equal(await counting.verify(stored, 'whatever password'), false, params);
      assert.equal(counting.needsRehash(stored), true, params);
    }
    assert.equal(derived, 0, 'nothing was hashed');
    await counting.verify(`$argon2id$v=19$m=1048576,t=256,p=16${tail}`, 'whatever password');
    assert.equal(derived, 1, 'at the limits, it is hashed');
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
