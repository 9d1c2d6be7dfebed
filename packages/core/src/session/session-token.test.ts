import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemRandom } from '../random.ts';
import {
  generateSessionToken,
  hashSessionSecret,
  parseSessionToken,
  sessionSecretMatches,
} from './session-token.ts';

describe('session token', () => {
  it('is a 128-bit public id and a 256-bit secret', () => {
    const token = generateSessionToken(systemRandom);
    assert.equal(Buffer.from(token.id, 'base64url').length, 16);
    assert.equal(Buffer.from(token.secret, 'base64url').length, 32);
    assert.deepEqual(parseSessionToken(token.value), token);
  });

  it('is unique', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generateSessionToken(systemRandom).value));
    assert.equal(seen.size, 1000);
  });

  it('refuses every other shape before any lookup', () => {
    const { id, secret } = generateSessionToken(systemRandom);
    for (const bad of [
      '',
      id,
      `${id}.`,
      `${id}.${secret}x`,
      `${id}.${secret.slice(1)}=`,
      `${id}:${secret}`,
      `${id.slice(0, 5)}+${id.slice(6)}.${secret}`,
      'x'.repeat(66),
      42,
      null,
    ]) {
      assert.equal(parseSessionToken(bad), null, String(bad));
    }
  });

  it('matches only its own secret', () => {
    const token = generateSessionToken(systemRandom);
    const other = generateSessionToken(systemRandom);
    const stored = hashSessionSecret(token.secret);
    assert.notEqual(stored, token.secret);
    assert.equal(sessionSecretMatches(token.secret, stored), true);
    assert.equal(sessionSecretMatches(other.secret, stored), false);
  });

  it('stores the SHA-256 of the secret, base64url: known vectors, not just "different from the input"', () => {
    // FIPS 180-2 "abc": ba7816bf…20015ad. The token-shaped one was computed with
    // `printf %s <secret> | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d =`.
    assert.equal(hashSessionSecret('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    assert.equal(
      hashSessionSecret('gY1mKq3L0vT7xZr2Wb9pN4sH6dJ8fC5uE1aQoRtVyXw'),
      'FylW6UyGru1g0aqZnCTY1zdwrWhd8kB2jz8jQvo-cTM',
    );
  });
});
