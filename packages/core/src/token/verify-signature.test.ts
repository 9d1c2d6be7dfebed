import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { signatureMatches } from './verify-signature.ts';

describe('signatureMatches', () => {
  it('ES256: answers as node:crypto with ieee-p1363 does, for valid, tampered and odd-shaped r‖s', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const reference = (input: Buffer, signature: Buffer) =>
      verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    const cases: [Buffer, Buffer][] = [];
    let leadingZero = 0;
    let highBit = 0;
    // 600 signatures, and more until one has r or s with a leading zero byte (each does with
    // p ≈ 2/256: a fixed 600 missed it about once in a hundred runs).
    for (let i = 0; i < 600 || (leadingZero === 0 && i < 20_000); i++) {
      const input = randomBytes(40);
      const signature = sign('sha256', input, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      if (signature[0] === 0 || signature[32] === 0) leadingZero++;
      if (signature[0]! >= 0x80 || signature[32]! >= 0x80) highBit++;
      cases.push([input, signature]);
      const tampered = Buffer.from(signature);
      tampered[i % 64]! ^= 1 << (i % 8);
      cases.push([input, tampered]);
    }
    assert.ok(
      leadingZero > 0 && highBit > 0,
      'the sample has r or s with a leading zero byte and with the high bit set',
    );
    for (const pattern of [0x00, 0x80, 0xff]) {
      const odd = Buffer.alloc(64, pattern);
      odd[31] = 1;
      odd[63] = 1;
      cases.push([randomBytes(40), odd]);
    }
    for (const [input, signature] of cases) {
      assert.equal(signatureMatches('ES256', publicKey, input, signature), reference(input, signature));
    }
    assert.equal(signatureMatches('ES256', publicKey, cases[0]![0], Buffer.alloc(64)), false, 'r = s = 0');
  });

  it('RS256: answers as node:crypto with PKCS #1 v1.5 padding does', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (let i = 0; i < 20; i++) {
      const input = randomBytes(40);
      const signature = sign('sha256', input, privateKey);
      const tampered = Buffer.from(signature);
      tampered[i]! ^= 1;
      for (const candidate of [signature, tampered]) {
        const expected = verify(
          'sha256',
          input,
          { key: publicKey, padding: constants.RSA_PKCS1_PADDING },
          candidate,
        );
        assert.equal(signatureMatches('RS256', publicKey, input, candidate), expected);
      }
    }
  });
});
