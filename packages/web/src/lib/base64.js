// @ts-check
/** Base64 and base64url, UTF-8 safe: text goes through bytes, never through `btoa` on a JS string. */

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

/**
 * @param {Uint8Array} bytes
 * @param {{ url?: boolean }} [options] base64url: `-_` and no padding (RFC 4648 §5)
 */
export function bytesToBase64(bytes, options = {}) {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  }
  const encoded = btoa(binary);
  return options.url ? encoded.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '') : encoded;
}

/** @param {string} text @param {{ url?: boolean }} [options] */
export function encodeBase64(text, options = {}) {
  return bytesToBase64(new TextEncoder().encode(text), options);
}

/** Thrown for input that is not base64 of either alphabet. */
export class Base64Error extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'Base64Error';
  }
}

/**
 * Decodes base64 or base64url (either alphabet, padding optional, whitespace ignored).
 *
 * @param {string} input
 * @returns {Uint8Array}
 */
export function base64ToBytes(input) {
  const text = input.replace(/\s+/g, '');
  const standard = STANDARD.test(text);
  if (!standard && !URL_SAFE.test(text))
    throw new Base64Error(
      'Not base64: only A–Z, a–z, 0–9, "+" "/" (or "-" "_") and "=" padding are allowed.',
    );
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1)
    throw new Base64Error('Not base64: the length is impossible (one character too many or too few).');
  if (text.includes('=') && text.length % 4 !== 0) throw new Base64Error('Not base64: wrong padding.');
  const normalized = unpadded.replaceAll('-', '+').replaceAll('_', '/');
  const binary = atob(normalized + '='.repeat((4 - (normalized.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/**
 * Decodes to text when the bytes are valid UTF-8; otherwise `text` is null and `hex` shows them.
 *
 * @param {string} input
 * @returns {{ text: string | null, hex: string, byteLength: number }}
 */
export function decodeBase64(input) {
  const bytes = base64ToBytes(input);
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), hex, byteLength: bytes.length };
  } catch {
    return { text: null, hex, byteLength: bytes.length };
  }
}
