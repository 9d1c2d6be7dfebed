import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { toBase64Url } from '../lib/encoding.ts';
import type { RandomSource } from '../random.ts';
import type { SigningAlgorithm, SigningKeyRecord } from '../store/types.ts';
import type { KeyEncryption } from './key-encryption.ts';
import { isSigningAlgorithm, MIN_HMAC_KEY_BYTES, MIN_RSA_MODULUS_BITS } from './signing-algorithms.ts';

export interface GenerateSigningKeyOptions {
  algorithm: SigningAlgorithm;
  encryption: KeyEncryption;
  random: RandomSource;
  /** Milliseconds since the epoch; becomes `createdAt`. */
  now: number;
}

/** The public members of a signing key as published in the JWKS, with `kid`, `alg` and `use`. */
export type PublicSigningJwk = JsonWebKey & { kid: string; alg: SigningAlgorithm; use: 'sig' };

const generate = promisify(generateKeyPair);

// Generated off the event loop (an RSA key takes tens of milliseconds).
async function generatePrivateKey(algorithm: Exclude<SigningAlgorithm, 'HS256'>): Promise<KeyObject> {
  switch (algorithm) {
    case 'ES256':
      return (await generate('ec', { namedCurve: 'P-256' })).privateKey;
    case 'EdDSA':
      return (await generate('ed25519', undefined)).privateKey;
    case 'RS256':
      return (await generate('rsa', { modulusLength: MIN_RSA_MODULUS_BITS })).privateKey;
  }
}

/**
 * The published form of an asymmetric private key. It exports the *derived public* KeyObject, which
 * has no `d`, `p`, `q`, `dp`, `dq` or `qi` to leak, rather than filtering members of a private JWK.
 */
export function toPublicSigningJwk(
  privateKey: KeyObject,
  kid: string,
  alg: SigningAlgorithm,
): PublicSigningJwk {
  return { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

/**
 * Generates a new signing key and returns it as a store record, its private half encrypted.
 *
 * The kid is 128 random bits rather than the RFC 7638 thumbprint: it is the same for every
 * algorithm (a thumbprint of an HS256 key would publish a hash of the secret in every token header),
 * reveals nothing, and nothing is gained from a self-certifying kid since keys are never taken from
 * a token.
 *
 * @example
 * const record = await generateSigningKey({ algorithm: 'ES256', encryption, random: systemRandom, now: Date.now() });
 * await store.keys.rotate(record, record.createdAt);
 */
export async function generateSigningKey(options: GenerateSigningKeyOptions): Promise<SigningKeyRecord> {
  const { algorithm, encryption, random, now } = options;
  if (!isSigningAlgorithm(algorithm)) throw new TypeError('unsupported signing algorithm');
  const kid = toBase64Url(random.bytes(16));
  let secret: Uint8Array;
  let publicJwk = '';
  if (algorithm === 'HS256') {
    secret = random.bytes(MIN_HMAC_KEY_BYTES);
  } else {
    const privateKey = await generatePrivateKey(algorithm);
    secret = privateKey.export({ format: 'der', type: 'pkcs8' });
    publicJwk = JSON.stringify(toPublicSigningJwk(privateKey, kid, algorithm));
  }
  const privateKeyCipher = encryption.encrypt(secret, kid);
  secret.fill(0);
  return {
    kid,
    alg: algorithm,
    publicJwk,
    privateKeyCipher,
    status: 'active',
    createdAt: now,
    retiredAt: null,
  };
}
