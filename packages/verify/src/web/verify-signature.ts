// WebCrypto build: replaces packages/core/src/token/verify-signature.ts. The signature was checked
// by `prepare(token)` (jwks-keys.ts, crypto.subtle.verify); this answers from that verdict, after
// the same length and zero checks as the node:crypto version.
import type { SigningAlgorithm } from '../../../core/src/store/types.ts';
import type { WebVerificationKey } from './jwks-keys.ts';
import { takeVerdict } from './verdicts.ts';

const ES256_COMPONENT_BYTES = 32;

function expectedSignatureBytes(alg: SigningAlgorithm, key: WebVerificationKey): number {
  switch (alg) {
    case 'ES256':
    case 'EdDSA':
      return 64;
    case 'HS256':
      return 32;
    case 'RS256':
      return Math.ceil((key.asymmetricKeyDetails.modulusLength ?? 0) / 8);
  }
}

const isAllZero = (bytes: Uint8Array) => bytes.every((byte) => byte === 0);

export function signatureMatches(
  alg: SigningAlgorithm,
  key: WebVerificationKey,
  signingInput: string,
  signature: Uint8Array,
): boolean {
  if (signature.length !== expectedSignatureBytes(alg, key)) return false;
  // r = 0 or s = 0 is never valid (CVE-2022-21449), refused here whatever the backend says.
  if (
    alg === 'ES256' &&
    (isAllZero(signature.subarray(0, ES256_COMPONENT_BYTES)) ||
      isAllZero(signature.subarray(ES256_COMPONENT_BYTES)))
  )
    return false;
  return takeVerdict(signingInput, signature, key.cryptoKey);
}
