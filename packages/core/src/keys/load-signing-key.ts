import { createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { SigningAlgorithm, SigningKeyRecord } from '../store/types.ts';
import { type PublicSigningJwk, toPublicSigningJwk } from './generate-signing-key.ts';
import type { KeyEncryption } from './key-encryption.ts';
import { KeyUnavailableError } from './key-unavailable-error.ts';
import { keyFitsAlgorithm } from './signing-algorithms.ts';

/** A decrypted key, held as KeyObjects so that no request ever decrypts or parses key material. */
export interface LoadedSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  status: SigningKeyRecord['status'];
  createdAt: number;
  /** The private key, or the HMAC secret for HS256. */
  signingKey: KeyObject;
  /** The public key, or the same HMAC secret for HS256. */
  verificationKey: KeyObject;
  /** What the JWKS publishes; null for HS256. */
  publicJwk: PublicSigningJwk | null;
}

function importPrivateKey(bytes: Buffer, record: SigningKeyRecord): KeyObject {
  try {
    return record.alg === 'HS256'
      ? createSecretKey(bytes)
      : createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new KeyUnavailableError(`key ${record.kid}: stored key material is not a valid key`, { cause });
  } finally {
    bytes.fill(0);
  }
}

// The verification key is derived from the decrypted private key, never read from the stored
// `publicJwk`: someone able to write the key table but without the KEK cannot plant a public key
// of their own. A stored `publicJwk` that disagrees is refused as tampering.
function publicJwkMatches(stored: string, publicKey: KeyObject): boolean {
  try {
    return createPublicKey({ key: JSON.parse(stored), format: 'jwk' }).equals(publicKey);
  } catch {
    return false;
  }
}

export function loadSigningKey(record: SigningKeyRecord, encryption: KeyEncryption): LoadedSigningKey {
  const signingKey = importPrivateKey(encryption.decrypt(record.privateKeyCipher, record.kid), record);
  if (!keyFitsAlgorithm(signingKey, record.alg, 'sign')) {
    throw new KeyUnavailableError(`key ${record.kid}: key material does not fit ${record.alg}`);
  }
  const loaded = {
    kid: record.kid,
    alg: record.alg,
    status: record.status,
    createdAt: record.createdAt,
    signingKey,
  };
  if (record.alg === 'HS256') {
    if (record.publicJwk !== '') {
      throw new KeyUnavailableError(`key ${record.kid}: HS256 key has a public JWK`);
    }
    return { ...loaded, verificationKey: signingKey, publicJwk: null };
  }
  const verificationKey = createPublicKey(signingKey);
  if (!publicJwkMatches(record.publicJwk, verificationKey)) {
    throw new KeyUnavailableError(`key ${record.kid}: stored public JWK does not match the private key`);
  }
  return { ...loaded, verificationKey, publicJwk: toPublicSigningJwk(signingKey, record.kid, record.alg) };
}
