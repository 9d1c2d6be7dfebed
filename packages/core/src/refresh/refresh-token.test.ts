import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemRandom } from '../random.ts';
import {
  decryptSuccessor,
  encryptSuccessor,
  generateRefreshToken,
  hashRefreshToken,
  isRefreshTokenShaped,
} from './refresh-token.ts';

describe('refresh token', () => {
  it('is 256 random bits and stored only as a hash', () => {
    const token = generateRefreshToken(systemRandom);
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    assert.equal(isRefreshTokenShaped(token), true);
    assert.notEqual(hashRefreshToken(token), token);
    assert.equal(hashRefreshToken(token), hashRefreshToken(token));
  });

  it('is stored as the SHA-256 of the token, base64url: known vectors, not just "different from the input"', () => {
    // FIPS 180-2 "abc": ba7816bf…20015ad. The token-shaped ones were computed with
    // `printf %s <token> | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d =`.
    assert.equal(hashRefreshToken('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    assert.equal(
      hashRefreshToken('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'),
      'DwBzhbb51LfusnSGBa_hqYSgo7-j8BTQnip4TOnlzRo',
    );
    assert.equal(
      hashRefreshToken('gY1mKq3L0vT7xZr2Wb9pN4sH6dJ8fC5uE1aQoRtVyXw'),
      'FylW6UyGru1g0aqZnCTY1zdwrWhd8kB2jz8jQvo-cTM',
    );
  });

  it('rejects other shapes', () => {
    for (const bad of ['', 'a.b.c', `${generateRefreshToken(systemRandom)}=`, 'x'.repeat(44), 42, null]) {
      assert.equal(isRefreshTokenShaped(bad), false);
    }
  });

  it('seals the successor so that only the parent opens it', () => {
    const parent = generateRefreshToken(systemRandom);
    const child = generateRefreshToken(systemRandom);
    const sealed = encryptSuccessor(parent, child, systemRandom);
    assert.ok(!sealed.includes(child));
    assert.equal(decryptSuccessor(parent, sealed), child);
    assert.equal(decryptSuccessor(generateRefreshToken(systemRandom), sealed), null);
    const tampered = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal(decryptSuccessor(parent, tampered), null);
    assert.equal(decryptSuccessor(parent, 'not base64url!'), null);
  });
});
