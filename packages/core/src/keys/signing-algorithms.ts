import type { KeyObject } from 'node:crypto';
import type { SigningAlgorithm } from '../store/types.ts';

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'RS256', 'HS256'];

/** RFC 8725 §3.5: HMAC keys at least as long as the hash output. */
export const MIN_HMAC_KEY_BYTES = 32;
/** RFC 7518 §3.3: RSA keys of 2048 bits or more. */
export const MIN_RSA_MODULUS_BITS = 2048;

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

/**
 * Whether `key` is the kind of key `alg` needs, judged from the KeyObject itself and never from the
 * token. This is the algorithm-confusion defence: a public EC/RSA key is never a 'secret' key, so it
 * can never serve as an HMAC secret, whatever the token header claims.
 */
export function keyFitsAlgorithm(key: KeyObject, alg: SigningAlgorithm, use: 'sign' | 'verify'): boolean {
  if (alg === 'HS256') return key.type === 'secret' && key.symmetricKeySize! >= MIN_HMAC_KEY_BYTES;
  if (key.type !== (use === 'sign' ? 'private' : 'public')) return false;
  switch (alg) {
    case 'ES256':
      return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519';
    case 'RS256':
      return (
        key.asymmetricKeyType === 'rsa' &&
        (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_MODULUS_BITS
      );
  }
}
