import { fromBase64Url } from '../lib/encoding.ts';

// fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a BOM stays in the text and fails JSON.parse.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Strict base64url (RFC 7515 §2): the alphabet only, no padding, no whitespace, and canonical
 * (trailing bits zero), so every token has exactly one spelling. Null otherwise.
 */
export function decodeSegment(text: string): Buffer | null {
  const bytes = fromBase64Url(text);
  return bytes && bytes.toString('base64url') === text ? bytes : null;
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
