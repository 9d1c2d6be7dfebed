import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { fromBase64Url, sha256Base64Url, toBase64Url } from '../lib/encoding.ts';
import type { RandomSource } from '../random.ts';

/**
 * Refresh tokens are 256 random bits, base64url (43 characters), then for the `token` strategy
 * `.<client_id>` and, when DPoP-bound, `.<jkt>`; only their SHA-256 is stored. The binding rides
 * in the token in clear (neither part is secret) and cannot be edited: any change is another hash,
 * an unknown token. So the server knows a token's client and key without storing them.
 */
const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}(?:\.[A-Za-z0-9_-]{1,64}(?:\.[A-Za-z0-9_-]{43})?)?$/;
/** What a client id may look like (it is part of refresh tokens). */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** The client and DPoP key a refresh token is bound to; empty for a hybrid (cookie) token. */
export interface RefreshTokenBinding {
  clientId?: string;
  jkt?: string;
}

export function generateRefreshToken(random: RandomSource, binding: RefreshTokenBinding = {}): string {
  const secret = toBase64Url(random.bytes(32));
  if (binding.clientId === undefined) {
    if (binding.jkt !== undefined) throw new TypeError('a DPoP-bound refresh token needs a client id');
    return secret;
  }
  if (!CLIENT_ID_PATTERN.test(binding.clientId)) throw new TypeError('malformed client id');
  if (binding.jkt !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(binding.jkt))
    throw new TypeError('malformed jkt');
  return binding.jkt === undefined
    ? `${secret}.${binding.clientId}`
    : `${secret}.${binding.clientId}.${binding.jkt}`;
}

/** The binding written into a well-shaped refresh token (see `generateRefreshToken`). */
export function readRefreshTokenBinding(token: string): RefreshTokenBinding {
  const [, clientId, jkt] = token.split('.');
  return {
    ...(clientId === undefined ? {} : { clientId }),
    ...(jkt === undefined ? {} : { jkt }),
  };
}

export function isRefreshTokenShaped(value: unknown): value is string {
  return typeof value === 'string' && REFRESH_TOKEN.test(value);
}

export function hashRefreshToken(token: string): string {
  return sha256Base64Url(token);
}

/*
 * Inside the grace window a replayed token must get the *same* successor, yet the store may keep
 * only hashes. So the successor is stored encrypted under a key derived from its parent, which
 * only a holder of the parent can supply: a database leak reveals no usable token, and the server
 * can answer a legitimate concurrent replay without ever having stored the successor in clear.
 */
function successorKey(parentToken: string): Buffer {
  return createHash('sha256').update('gatehouse/refresh-successor/v1:').update(parentToken).digest();
}

export function encryptSuccessor(parentToken: string, successorToken: string, random: RandomSource): string {
  const iv = random.bytes(12);
  const cipher = createCipheriv('aes-256-gcm', successorKey(parentToken), iv);
  const body = Buffer.concat([cipher.update(successorToken, 'utf8'), cipher.final()]);
  return toBase64Url(Buffer.concat([iv, body, cipher.getAuthTag()]));
}

/** Returns the successor, or null when the cipher was not made under this parent. */
export function decryptSuccessor(parentToken: string, sealed: string): string | null {
  const bytes = fromBase64Url(sealed);
  if (!bytes || bytes.length < 12 + 16 + 1) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', successorKey(parentToken), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return null;
  }
}
