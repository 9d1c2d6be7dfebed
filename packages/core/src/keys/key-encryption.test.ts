import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { GatehouseError } from '../errors.ts';
import { createKeyEncryption } from './key-encryption.ts';

const unavailable = (pattern: RegExp) => (error: unknown) =>
  error instanceof GatehouseError && error.code === 'ERR_KEY_UNAVAILABLE' && pattern.test(error.message);

describe('key encryption', () => {
  const kek = randomBytes(32);
  const encryption = createKeyEncryption(kek);
  const plaintext = randomBytes(48);

  it('round-trips, with a fresh IV every time and the KEK id in the ciphertext', () => {
    const first = encryption.encrypt(plaintext, 'kid-1');
    const second = encryption.encrypt(plaintext, 'kid-1');
    assert.notEqual(first, second);
    assert.match(first, new RegExp(`^v1\\.${encryption.kekId}\\.[A-Za-z0-9_-]{16}\\.[A-Za-z0-9_-]+$`));
    assert.deepEqual(encryption.decrypt(first, 'kid-1'), plaintext);
    assert.equal(createKeyEncryption(kek).kekId, encryption.kekId);
  });

  it('names a wrong KEK as such, and reads a previous KEK after rotation', () => {
    const cipher = encryption.encrypt(plaintext, 'kid-1');
    const other = createKeyEncryption(randomBytes(32));
    assert.throws(() => other.decrypt(cipher, 'kid-1'), unavailable(/wrong or rotated key-encryption key/));
    const rotated = createKeyEncryption(randomBytes(32), { previousKeks: [kek] });
    assert.deepEqual(rotated.decrypt(cipher, 'kid-1'), plaintext);
    assert.equal(rotated.decrypt(rotated.encrypt(plaintext, 'kid-2'), 'kid-2').equals(plaintext), true);
  });

  it('refuses a ciphertext moved to another kid, tampered or malformed', () => {
    const cipher = encryption.encrypt(plaintext, 'kid-1');
    assert.throws(() => encryption.decrypt(cipher, 'kid-2'), unavailable(/decryption failed/));
    const sealed = Buffer.from(cipher.split('.')[3]!, 'base64url');
    sealed[0]! ^= 1;
    const tampered = [...cipher.split('.').slice(0, 3), sealed.toString('base64url')].join('.');
    assert.throws(() => encryption.decrypt(tampered, 'kid-1'), unavailable(/decryption failed/));
    for (const bad of [
      '',
      'v1',
      `v2${cipher.slice(2)}`,
      `${cipher}.x`,
      cipher.slice(0, 40),
      `${cipher.slice(0, -2)}!`,
    ]) {
      assert.throws(() => encryption.decrypt(bad, 'kid-1'), unavailable(/malformed|decryption failed/));
    }
  });

  it('accepts only a 32-byte KEK', () => {
    for (const bad of [randomBytes(31), randomBytes(33), 'k'.repeat(32), undefined]) {
      assert.throws(() => createKeyEncryption(bad as Uint8Array), TypeError);
    }
  });
});
