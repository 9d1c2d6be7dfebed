import {
  type Clock,
  createKeyring,
  type KeyStore,
  type Keyring,
  type SigningAlgorithm,
} from '@gatehouse/core';
import type { GatehouseConfig } from '../config.ts';

const DAY_MS = 24 * 60 * 60_000;

/**
 * The algorithms this server accepts on its own tokens. HS256 stands alone (a verifier that also
 * accepts an asymmetric algorithm is one mix-up away from HMAC-ing with a public key). The
 * asymmetric ones are accepted together: each key verifies only its own algorithm (the verifier
 * checks the key's type, never the token's say-so), and a changed GATEHOUSE_SIGNING_ALG then leaves
 * tokens signed by the previous, retired key valid until they expire, on every instance of a
 * rolling deploy.
 */
export function acceptedAlgorithms(signingAlgorithm: SigningAlgorithm): SigningAlgorithm[] {
  return signingAlgorithm === 'HS256' ? ['HS256'] : ['ES256', 'EdDSA', 'RS256'];
}

/**
 * The keyring the configuration describes: new keys of the configured algorithm, replaced every
 * `keyRotationDays`, private halves encrypted under the key-encryption key.
 */
export function createConfiguredKeyring(
  config: Pick<GatehouseConfig, 'signingAlgorithm' | 'keyRotationDays'>,
  store: KeyStore,
  keyEncryptionKey: Uint8Array,
  clock?: Clock,
): Keyring {
  return createKeyring({
    store,
    kek: keyEncryptionKey,
    algorithm: config.signingAlgorithm,
    rotationIntervalMs: config.keyRotationDays * DAY_MS,
    ...(clock ? { clock } : {}),
  });
}

/**
 * Loads the keys (failing loudly when the key-encryption key cannot read them), creates or
 * rotates the active key when it is missing or old, and rotates once more when the active key
 * was made for another algorithm, so a changed GATEHOUSE_SIGNING_ALG applies from this start.
 * Returns the kid that signs.
 */
export async function prepareSigningKeys(
  keyring: Keyring,
  signingAlgorithm: SigningAlgorithm,
): Promise<string> {
  const { kid } = await keyring.ensureActiveKey();
  if (keyring.getSigningKey().alg === signingAlgorithm) return kid;
  return keyring.rotate();
}
