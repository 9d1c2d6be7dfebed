import { isAscii, isUtf8 } from 'node:buffer';
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

/**
 * The hot-path twin of `decodeJsonObjectSegment`: the segment checked canonical and decoded in one
 * pass (`decodeCanonicalText`). Null for anything but a JSON object.
 */
export function parseJsonObjectSegment(text: string): Record<string, unknown> | null {
  const decoded = decodeCanonicalText(text);
  return decoded !== null && decoded.length > 0 ? readJsonObject(decoded, 0, decoded.length) : null;
}

/**
 * The JSON object in `bytes[start, start + length)`: ASCII read as Latin-1 (the common case, byte
 * for byte the same text), other text only when it is valid UTF-8 (invalid bytes are an error,
 * never U+FFFD; a BOM stays and fails JSON.parse), one JSON.parse. Null for anything else; never
 * throws.
 */
export function readJsonObject(
  bytes: Buffer,
  start: number,
  length: number,
  /** True when the caller already knows the bytes are ASCII (see `decodedAscii`): no view, no scan. */
  knownAscii = false,
): Record<string, unknown> | null {
  const end = start + length;
  let json: string;
  if (knownAscii) json = bytes.toString('latin1', start, end);
  else {
    const view = bytes.subarray(start, end);
    if (isAscii(view)) json = bytes.toString('latin1', start, end);
    else if (isUtf8(view)) json = bytes.toString('utf8', start, end);
    else return null;
  }
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Decodes `text` into `buffer` at `offset` when it is canonical base64url, and returns the byte
 * count; -1 otherwise (the buffer then holds junk). Canonical as `decodeSegment` defines it: the
 * alphabet only (no padding, whitespace, '+' or '/'), no dangling character, unused trailing bits
 * zero. The text is written as UTF-8 and decoded by `decodeCanonicalBase64UrlBytes` (one decoder
 * for both paths); a non-ASCII character makes the write longer than the text and is refused.
 * Node's native base64 decoder (simdutf) is faster by itself, but the signature check that
 * follows it ran 3–5 µs slower in the same process (docs/benchmarks/journal.md, goal 2). The caller
 * provides room for `(text.length * 3) >> 2` bytes.
 */
export function writeCanonicalBase64Url(text: string, buffer: Uint8Array, offset: number): number {
  const decoded = decodeCanonicalText(text);
  if (decoded === null) return -1;
  buffer.set(decoded, offset);
  return decoded.length;
}

/**
 * `text` written as UTF-8 into a new buffer and decoded right after it by
 * `decodeCanonicalBase64UrlBytes`: a view of the decoded bytes, or null unless `text` is canonical
 * base64url (a non-ASCII character makes the write longer than the text).
 */
function decodeCanonicalText(text: string): Buffer | null {
  const length = text.length;
  const bytes = Buffer.allocUnsafe(3 * length + ((length * 3) >> 2));
  if (bytes.write(text, 0, 'utf8') !== length) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const decoded = decodeCanonicalBase64UrlBytes(view, 0, length, length);
  return decoded < 0 ? null : bytes.subarray(length, length + decoded);
}

/** Whether the last successful `decodeCanonicalBase64UrlBytes` wrote only ASCII bytes. */
let lastDecodeAscii = false;

/**
 * Whether the bytes of the last successful `decodeCanonicalBase64UrlBytes` call were all ASCII.
 * Read from the OR of its quantums, which the decoder keeps anyway for the alphabet check, so
 * knowing costs nothing per character (no second scan, no view for `isAscii`).
 */
export function decodedAscii(): boolean {
  return lastDecodeAscii;
}

/**
 * `writeCanonicalBase64Url` for text already in bytes: decodes the base64url characters in
 * `view[start, end)` to `out[at, …)` (`out` is `view` unless given) and returns the byte count,
 * or -1 unless they are canonical (the same contract: alphabet only, no dangling character,
 * unused trailing bits zero; any byte over 0x7f is outside the alphabet). Reads four or eight characters at a time as whole words and
 * looks each up in a table of pre-shifted values: a third of the instructions of the string
 * decoder, whose `charCodeAt` per character dominated the verifier's own cost (docs/benchmarks/journal.md,
 * goal 2). The output must not overlap the input, and the caller provides room for
 * `((end - start) * 3) >> 2` bytes at `at`.
 */
export const decodeCanonicalBase64UrlBytes: (
  view: DataView,
  start: number,
  end: number,
  at: number,
  /** Where the bytes go, from `at`; the input's own view unless told otherwise. */
  out?: DataView,
) => number = createDecoder();

/**
 * The decoder with its tables in a closure's `const`s. A bundler turns a module's top-level
 * `const` into `var` (esbuild does, with no option to keep it), which TurboFan cannot fold: each
 * table access then loads and checks the table first (decoder 8.5k instructions per RS256 token
 * in the bundle against 6.8k from source, callgrind). A function's own `const`s are left alone,
 * so the bundle and the source run the same code.
 */
function createDecoder() {
  /** Outside the alphabet: a bit no valid quantum sets (24 bits at most), kept through every OR. */
  const INVALID = 1 << 30;
  /** The top bit of each byte in a 24-bit quantum: set in the OR of a decode's quantums iff a byte is not ASCII. */
  const NON_ASCII = 0x808080;
  /** For each byte, its 6-bit value already shifted to where it goes in a 4-character quantum. */
  function quantumTable(shift: number): Int32Array {
    const table = new Int32Array(256).fill(INVALID);
    for (let index = 0; index < ALPHABET.length; index++) table[ALPHABET.charCodeAt(index)] = index << shift;
    return table;
  }
  const Q0 = quantumTable(18);
  const Q1 = quantumTable(12);
  const Q2 = quantumTable(6);
  const Q3 = quantumTable(0);

  /** Four characters (little-endian in `word`) as 24 bits, or with INVALID set. */
  function quantum(word: number): number {
    return Q0[word & 0xff]! | Q1[(word >>> 8) & 0xff]! | Q2[(word >>> 16) & 0xff]! | Q3[word >>> 24]!;
  }

  return function decodeCanonicalBase64UrlBytes(
    view: DataView,
    start: number,
    end: number,
    at: number,
    out: DataView = view,
  ): number {
    const remainder = (end - start) & 3;
    if (remainder === 1) return -1;
    const first = at;
    let invalid = 0;
    let index = start;
    for (const whole8 = end - ((end - start) & 7); index < whole8; index += 8) {
      const high = quantum(view.getUint32(index, true));
      const low = quantum(view.getUint32(index + 4, true));
      invalid |= high | low;
      out.setUint32(at, (high << 8) | (low >>> 16));
      out.setUint16(at + 4, low);
      at += 6;
    }
    for (const whole = end - remainder; index < whole; index += 4) {
      const bits = quantum(view.getUint32(index, true));
      invalid |= bits;
      out.setUint16(at, bits >>> 8);
      out.setUint8(at + 2, bits);
      at += 3;
    }
    if (remainder !== 0) {
      const v0 = Q0[view.getUint8(index)]!;
      const v1 = Q1[view.getUint8(index + 1)]!;
      const v2 = remainder === 3 ? Q2[view.getUint8(index + 2)]! : 0;
      const bits = v0 | v1 | v2;
      invalid |= bits;
      // The last character's bits beyond the last byte (4 of v1, or 2 of v2) must be zero.
      if ((bits & (remainder === 2 ? 0xffff : 0xff)) !== 0) return -1;
      out.setUint8(at++, bits >>> 16);
      if (remainder === 3) out.setUint8(at++, bits >>> 8);
    }
    // A tail's unused low bits are zero here (checked above), so they never read as non-ASCII.
    lastDecodeAscii = (invalid & NON_ASCII) === 0;
    return (invalid & INVALID) !== 0 ? -1 : at - first;
  };
}
