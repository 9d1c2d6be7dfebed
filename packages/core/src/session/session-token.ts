import { constantTimeEqual, sha256Base64Url, toBase64Url } from '../lib/encoding.ts';
import type { RandomSource } from '../random.ts';

/**
 * A session token is `id.secret`: a public 128-bit id (the lookup key, used as `sid`) and a
 * 256-bit secret of which only the SHA-256 is stored. The lookup key is therefore never the
 * secret, and a database leak yields no usable cookie.
 */
export interface SessionToken {
  id: string;
  secret: string;
  value: string;
}

const SESSION_TOKEN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export function generateSessionToken(random: RandomSource): SessionToken {
  const id = toBase64Url(random.bytes(16));
  const secret = toBase64Url(random.bytes(32));
  return { id, secret, value: `${id}.${secret}` };
}

/** Parses a presented token; null for anything not of the exact shape (no store lookup happens then). */
export function parseSessionToken(value: unknown): SessionToken | null {
  if (typeof value !== 'string' || value.length !== 66) return null;
  const match = SESSION_TOKEN.exec(value);
  return match ? { id: match[1]!, secret: match[2]!, value } : null;
}

export function hashSessionSecret(secret: string): string {
  return sha256Base64Url(secret);
}

export function sessionSecretMatches(secret: string, storedHash: string): boolean {
  return constantTimeEqual(hashSessionSecret(secret), storedHash);
}
