import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Base64Error, base64ToBytes, decodeBase64, encodeBase64 } from './base64.js';

const SAMPLES = ['', 'f', 'fo', 'foo', 'hello world', 'héllo ✓ 🔑', '\u0000\u00ff', 'a'.repeat(100_000)];

describe('base64 (web)', () => {
  it('encodes UTF-8 text exactly as Node does, in both alphabets', () => {
    for (const text of SAMPLES) {
      assert.equal(encodeBase64(text), Buffer.from(text).toString('base64'));
      assert.equal(encodeBase64(text, { url: true }), Buffer.from(text).toString('base64url'));
    }
  });

  it('decodes either alphabet, padded or not, whitespace ignored', () => {
    for (const text of SAMPLES) {
      const bytes = Buffer.from(text);
      assert.equal(decodeBase64(bytes.toString('base64')).text, text);
      assert.equal(decodeBase64(bytes.toString('base64url')).text, text);
      assert.equal(decodeBase64(bytes.toString('base64').replace(/=+$/, '')).text, text);
    }
    assert.equal(decodeBase64(' aGVs\nbG8= ').text, 'hello');
  });

  it('shows bytes that are not UTF-8 as hex', () => {
    const decoded = decodeBase64(Buffer.from([0xff, 0xfe, 0x00, 0x41]).toString('base64'));
    assert.deepEqual(decoded, { text: null, hex: 'ff fe 00 41', byteLength: 4 });
  });

  it('refuses what is not base64', () => {
    for (const input of ['abc!', 'a', 'abcde', 'ab=c', 'ab==a', 'a+b-', '====', 'ab=']) {
      assert.throws(() => base64ToBytes(input), Base64Error, JSON.stringify(input));
    }
  });
});
