import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Base64Url } from './encoding.ts';

describe('sha256Base64Url', () => {
  it('is the SHA-256 of the UTF-8 bytes, base64url without padding (stored hashes depend on it)', () => {
    // FIPS 180-2 test vector "abc": ba7816bf…f20015ad.
    assert.equal(sha256Base64Url('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
    assert.equal(sha256Base64Url(''), '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
    // Non-ASCII: the UTF-8 bytes, not Latin-1 or UTF-16.
    assert.equal(sha256Base64Url('üñí©ødé'), 'f6HwfcXDzuVX6vqsViVglHJYSSS8I65fF4SmHDR9s8s');
  });
});
