// WebCrypto build: replaces packages/core/src/token/decode-segment.ts (same exports, no Buffer).
import { decodeBase64Url } from './base64url.ts';

// fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a BOM stays in the text and fails JSON.parse.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict, canonical base64url (RFC 7515 §2). Null otherwise. */
export function decodeSegment(text: string): Uint8Array | null {
  return decodeBase64Url(text);
}

/** A segment holding a JSON object; null for anything else. Never throws. */
export function decodeJsonObjectSegment(text: string): Record<string, unknown> | null {
  const bytes = text.length > 0 ? decodeSegment(text) : null;
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(utf8.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
