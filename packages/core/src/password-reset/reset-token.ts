import { sha256Base64Url, toBase64Url } from '../lib/encoding.ts';
import type { RandomSource } from '../random.ts';

/** Reset tokens are 256 random bits, base64url (43 characters); only their SHA-256 is stored. */
const RESET_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function generateResetToken(random: RandomSource): string {
  return toBase64Url(random.bytes(32));
}

export function isResetTokenShaped(value: unknown): value is string {
  return typeof value === 'string' && RESET_TOKEN.test(value);
}

export function hashResetToken(token: string): string {
  return sha256Base64Url(token);
}
