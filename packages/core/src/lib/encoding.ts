import { hash, timingSafeEqual } from 'node:crypto';

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Strict base64url decode: returns null for any character outside the alphabet. */
export function fromBase64Url(text: string): Buffer | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  return Buffer.from(text, 'base64url');
}

/**
 * SHA-256 of a UTF-8 string, base64url. Used to store secrets by hash only. One-shot `hash`: no
 * Hash object to create, update and digest (three calls into C++), on every login, session check
 * and throttle key.
 */
export function sha256Base64Url(value: string): string {
  return hash('sha256', value, 'base64url');
}

/** Constant-time comparison of two strings; unequal lengths return false without early exit on content. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
