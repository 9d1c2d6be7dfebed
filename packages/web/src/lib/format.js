// @ts-check
/** Dates and durations for people: local time, "3 min ago", "9m 12s". No network, no globals but Intl. */

const UNITS = /** @type {const} */ ([
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
]);

/**
 * "in 5 minutes", "3 hours ago", "now".
 *
 * @param {number} thenMs
 * @param {number} nowMs
 * @param {string} [locale]
 */
export function formatRelative(thenMs, nowMs, locale) {
  const seconds = Math.round((thenMs - nowMs) / 1000);
  if (Math.abs(seconds) < 5) return 'just now';
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second')
      return format.format(Math.trunc(seconds / size), unit);
  }
  return format.format(seconds, 'second');
}

/**
 * Local date and time with the zone, e.g. "1/2/2026, 10:30:00 GMT+1".
 *
 * @param {number} ms
 * @param {string} [locale]
 */
export function formatLocal(ms, locale) {
  return new Date(ms).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'long' });
}

/**
 * A countdown: "9m 12s", "2h 03m 10s", "3d 4h"; a negative duration reads the same (the caller
 * says "ago").
 *
 * @param {number} ms
 */
export function formatDuration(ms) {
  let seconds = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(seconds / 86400);
  seconds -= days * 86400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(seconds)}s`;
  if (minutes > 0) return `${minutes}m ${pad(seconds)}s`;
  return `${seconds}s`;
}
