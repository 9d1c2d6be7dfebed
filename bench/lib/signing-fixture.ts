import type { KeyObject } from 'node:crypto';
import {
  type AccessTokenSigner,
  createAccessTokenSigner,
  createKeyring,
  type Keyring,
  type SigningAlgorithm,
} from '@gatehouse/core';
import { createMemoryStore } from '@gatehouse/core/testing';
import type { JWK } from 'jose';

export const ISSUER = 'https://auth.example.com';
export const AUDIENCE = 'api';
export const ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'RS256', 'HS256'];
/** The SDK takes public keys from a JWKS, which never carries an HS256 secret. */
export const ASYMMETRIC: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'RS256'];

export interface SigningFixture {
  alg: SigningAlgorithm;
  keyring: Keyring;
  kid: string;
  /** The key a verifier uses: public key, or the HMAC secret for HS256. */
  verificationKey: KeyObject;
  signer: AccessTokenSigner;
  /** Public keys as a JWKS (empty for HS256). */
  jwks: { keys: JWK[] };
}

/** A keyring with one fresh key of `alg` (the production keyring code, over the memory store). */
export async function createSigningFixture(alg: SigningAlgorithm): Promise<SigningFixture> {
  const keyring = createKeyring({
    store: createMemoryStore().keys,
    kek: new Uint8Array(32).fill(7),
    algorithm: alg,
  });
  const { kid } = await keyring.ensureActiveKey();
  return {
    alg,
    keyring,
    kid,
    verificationKey: keyring.getVerificationKey(kid)!,
    signer: createAccessTokenSigner({ issuer: ISSUER, audience: AUDIENCE, keys: keyring }),
    jwks: { keys: keyring.jwks().keys.map((key) => ({ ...key }) as JWK) },
  };
}

/** The split of a compact JWS the raw-crypto floor needs: signing input and signature bytes. */
export function splitJws(token: string): { input: Buffer; signature: Buffer } {
  const lastDot = token.lastIndexOf('.');
  return {
    input: Buffer.from(token.slice(0, lastDot)),
    signature: Buffer.from(token.slice(lastDot + 1), 'base64url'),
  };
}
