import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url } from '../lib/encoding.ts';
import { KeyUnavailableError } from './key-unavailable-error.ts';

/**
 * Encrypts signing-key material at rest with AES-256-GCM under a key-encryption key (KEK).
 *
 * The KEK is its own 32-byte configuration value, used for nothing else, so changing another secret
 * (CSRF, cookies) never makes the stored keys unreadable. Ciphertexts read
 * `v1.<kekId>.<iv>.<ciphertext+tag>`: the KEK id is derived from the KEK (safe to log, useless to an
 * attacker), so a wrong KEK is named as such, and a rotated KEK can still be read by passing the old
 * one in `previousKeks` until every key written under it has been pruned.
 */
export interface KeyEncryption {
  /** Id of the KEK that new ciphertexts are written under. */
  readonly kekId: string;
  /** `context` (the kid) is authenticated but not stored: a ciphertext moved to another record fails. */
  encrypt(plaintext: Uint8Array, context: string): string;
  /** Throws KeyUnavailableError for an unknown KEK, a wrong KEK, or a tampered ciphertext. */
  decrypt(cipher: string, context: string): Buffer;
}

const FORMAT = 'v1';
const KEK_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface DerivedKek {
  id: string;
  aesKey: Buffer;
}

// Separate HKDF outputs for the AES key and the public id: the KEK itself is never used directly,
// and the id reveals nothing about the AES key.
function deriveKek(kek: Uint8Array): DerivedKek {
  if (!(kek instanceof Uint8Array) || kek.byteLength !== KEK_BYTES) {
    throw new TypeError(`key-encryption key must be exactly ${KEK_BYTES} bytes`);
  }
  const derive = (info: string, length: number) =>
    Buffer.from(hkdfSync('sha256', kek, new Uint8Array(0), `gatehouse/kek/${FORMAT}/${info}`, length));
  return { id: toBase64Url(derive('id', 6)), aesKey: derive('aes-256-gcm', 32) };
}

const associatedData = (kekId: string, context: string) =>
  Buffer.from(`${FORMAT}.${kekId}.${context}`, 'utf8');

/**
 * @example
 * const encryption = createKeyEncryption(kekFromConfig);
 * const cipher = encryption.encrypt(pkcs8Der, kid);
 * const der = encryption.decrypt(cipher, kid);
 */
export function createKeyEncryption(
  kek: Uint8Array,
  options: { previousKeks?: Uint8Array[] } = {},
): KeyEncryption {
  const current = deriveKek(kek);
  const byId = new Map<string, Buffer>([[current.id, current.aesKey]]);
  for (const previous of options.previousKeks ?? []) {
    const derived = deriveKek(previous);
    if (!byId.has(derived.id)) byId.set(derived.id, derived.aesKey);
  }

  return {
    kekId: current.id,
    encrypt(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.aesKey, iv);
      cipher.setAAD(associatedData(current.id, context));
      const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return `${FORMAT}.${current.id}.${toBase64Url(iv)}.${toBase64Url(sealed)}`;
    },
    decrypt(text, context) {
      const [format, kekId, ivText, sealedText, extra] = text.split('.');
      const iv = fromBase64Url(ivText ?? '');
      const sealed = fromBase64Url(sealedText ?? '');
      const wellFormed =
        format === FORMAT && kekId && extra === undefined && iv?.length === IV_BYTES && sealed;
      if (!wellFormed || sealed.length <= TAG_BYTES) {
        throw new KeyUnavailableError(`key ${context}: malformed key ciphertext`);
      }
      const aesKey = byId.get(kekId);
      if (!aesKey) {
        throw new KeyUnavailableError(
          `key ${context} is encrypted under KEK ${kekId}, but the configured KEK is ${current.id}: wrong or rotated key-encryption key`,
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', aesKey, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(associatedData(kekId, context));
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        return Buffer.concat([
          decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)),
          decipher.final(),
        ]);
      } catch (cause) {
        throw new KeyUnavailableError(`key ${context}: decryption failed (tampered record or wrong KEK)`, {
          cause,
        });
      }
    },
  };
}
