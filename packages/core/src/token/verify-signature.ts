import { constants, createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import type { SigningAlgorithm } from '../store/types.ts';

const ES256_COMPONENT_BYTES = 32;

/** RFC 7518: ES256 is r‖s of 32 bytes each; Ed25519 64 bytes; HS256 32; RS256 the modulus size. */
function expectedSignatureBytes(alg: SigningAlgorithm, key: KeyObject): number {
  switch (alg) {
    case 'ES256':
    case 'EdDSA':
      return 64;
    case 'HS256':
      return 32;
    case 'RS256':
      return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  }
}

const isAllZero = (bytes: Uint8Array) => bytes.every((byte) => byte === 0);

/**
 * Checks a JWS signature with node:crypto, synchronously. The caller has already established that
 * `key` fits `alg` (see keyFitsAlgorithm), so the algorithm here comes from the pinned list and the
 * key, never from the token alone.
 */
export function signatureMatches(
  alg: SigningAlgorithm,
  key: KeyObject,
  signingInputText: string,
  signature: Uint8Array,
): boolean {
  // The token passed the base64url checks, so the signing input is ASCII.
  const signingInput = Buffer.from(signingInputText, 'latin1');
  // Also what makes timingSafeEqual below safe to call: it needs equal lengths.
  if (signature.length !== expectedSignatureBytes(alg, key)) return false;
  switch (alg) {
    case 'HS256':
      // Constant time: a byte-by-byte compare would leak how much of a forged MAC is right.
      return timingSafeEqual(createHmac('sha256', key).update(signingInput).digest(), signature);
    case 'ES256':
      // r = 0 or s = 0 is never valid (the "psychic signature" CVE-2022-21449); refused explicitly
      // rather than trusting every backend to.
      if (
        isAllZero(signature.subarray(0, ES256_COMPONENT_BYTES)) ||
        isAllZero(signature.subarray(ES256_COMPONENT_BYTES))
      ) {
        return false;
      }
      return verify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'EdDSA':
      return verify(null, signingInput, key, signature);
    case 'RS256':
      return verify('sha256', signingInput, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  }
}
