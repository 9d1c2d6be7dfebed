import { createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import type { SigningAlgorithm } from '@gatehouse/core';

/** One DER ECDSA-Sig-Value (RFC 3279) for each P-256 signature r‖s the floor is given. */
const derOf = new WeakMap<Buffer, Buffer>();

function derInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const value = bytes.subarray(start);
  const padded = value[0]! >= 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value;
  return Buffer.concat([Buffer.from([0x02, padded.length]), padded]);
}

function toDer(signature: Buffer): Buffer {
  let der = derOf.get(signature);
  if (!der) {
    const body = Buffer.concat([derInteger(signature.subarray(0, 32)), derInteger(signature.subarray(32))]);
    der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
    derOf.set(signature, der);
  }
  return der;
}

/**
 * The floor: one node:crypto signature check of precomputed bytes, with no parsing, no claims and
 * no allocation beyond what the check itself needs. Nothing that verifies a JWT can be faster.
 * The KeyObject is passed as it is, never inside an options object (`{ key, dsaEncoding }`,
 * `{ key, padding }`): node:crypto then tries the options object as a KeyObject and as a CryptoKey
 * first, each a thrown and caught error, which costs about half an ES256 check on Node 24. So an
 * ES256 signature is given as DER (converted once, outside the timing) and RS256 relies on PKCS #1
 * v1.5 being the default padding of an RSA key.
 */
export function rawVerify(alg: SigningAlgorithm, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  switch (alg) {
    case 'ES256':
      return verify('sha256', input, key, toDer(signature));
    case 'EdDSA':
      return verify(null, input, key, signature);
    case 'RS256':
      return verify('sha256', input, key, signature);
    case 'HS256':
      return timingSafeEqual(createHmac('sha256', key).update(input).digest(), signature);
  }
}
