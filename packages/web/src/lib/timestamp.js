// @ts-check
/** Unix timestamps ↔ dates. All in the page; the clock is passed in. */

/** @typedef {'auto' | 'seconds' | 'milliseconds'} TimestampUnit */

// 1e11 seconds is the year 5138, 1e11 milliseconds is March 1973: numbers above are milliseconds.
const AUTO_MS_THRESHOLD = 1e11;

/** Thrown for input that is neither a number nor a date. */
export class TimestampError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'TimestampError';
  }
}

/**
 * Reads a Unix timestamp (seconds or milliseconds) or a date (ISO 8601, or what `Date.parse`
 * understands) and returns epoch milliseconds.
 *
 * @param {string} input
 * @param {TimestampUnit} [unit]
 * @returns {{ ms: number, readAs: 'seconds' | 'milliseconds' | 'date' }}
 */
export function parseTimestamp(input, unit = 'auto') {
  const text = input.trim();
  if (text === '') throw new TimestampError('Enter a timestamp or a date.');
  if (/^[-+]?\d+(\.\d+)?$/.test(text)) {
    const value = Number(text);
    const readAs =
      unit === 'auto' ? (Math.abs(value) >= AUTO_MS_THRESHOLD ? 'milliseconds' : 'seconds') : unit;
    const ms = readAs === 'seconds' ? value * 1000 : value;
    if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15)
      throw new TimestampError('Out of the range of dates.');
    return { ms: Math.round(ms), readAs };
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new TimestampError('Not a number or a date I can read (try 2026-01-31T12:00:00Z).');
  return { ms, readAs: 'date' };
}

/**
 * @param {number} ms
 * @returns {{ seconds: number, milliseconds: number, iso: string }}
 */
export function describeInstant(ms) {
  return { seconds: Math.floor(ms / 1000), milliseconds: ms, iso: new Date(ms).toISOString() };
}
