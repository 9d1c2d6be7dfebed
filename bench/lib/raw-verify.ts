import { constants, createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import type { SigningAlgorithm } from '@gatehouse/core';

/**
 * The floor: one node:crypto signature check of precomputed bytes, with no parsing, no claims and
 * no allocation beyond what the check itself needs. Nothing that verifies a JWT can be faster.
 */
export function rawVerify(alg: SigningAlgorithm, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  switch (alg) {
    case 'ES256':
      return verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'EdDSA':
      return verify(null, input, key, signature);
    case 'RS256':
      return verify('sha256', input, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    case 'HS256':
      return timingSafeEqual(createHmac('sha256', key).update(input).digest(), signature);
  }
}
