// WebCrypto build: replaces packages/core/src/lib/encoding.ts (same exports, no node:crypto, no Buffer).
import { decodeBase64Url, encodeBase64Url } from './base64url.ts';

export const toBase64Url = (bytes: Uint8Array): string => encodeBase64Url(bytes);

export const fromBase64Url = (text: string): Uint8Array | null => decodeBase64Url(text);

/** Not needed by a verifier (it never hashes secrets); kept so the module has the same shape. */
export function sha256Base64Url(_value: string): string {
  throw new TypeError('sha256Base64Url is not available in the WebCrypto build');
}

/** Comparison of two strings whose time depends on their length only. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = new TextEncoder().encode(a);
  const right = new TextEncoder().encode(b);
  if (left.length !== right.length) return false;
  let difference = 0;
  for (let i = 0; i < left.length; i++) difference |= left[i]! ^ right[i]!;
  return difference === 0;
}
