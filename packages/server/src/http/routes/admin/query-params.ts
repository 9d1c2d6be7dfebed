import { InvalidInputError } from '@gatehouse/core';

/** The parsed query string as Fastify gives it: a repeated key becomes an array. */
export type QueryParams = Record<string, unknown>;

const INTEGER = /^\d{1,15}$/;
// A full ISO 8601 date-time in UTC or with an offset, or a date alone (midnight UTC).
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * One string parameter, or undefined when absent. A repeated key is refused rather than one copy
 * picked: two components reading different copies is how parameter pollution slips past checks.
 */
export function readText(query: QueryParams, name: string, pattern: RegExp): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw new InvalidInputError(`bad ${name}`, name);
  return value;
}

/** A whole number; above `max` it is capped, not refused (a client asking for "everything" gets a page). */
export function readCount(
  query: QueryParams,
  name: string,
  options: { fallback: number; min: number; max: number },
): number {
  const text = readText(query, name, INTEGER);
  if (text === undefined) return options.fallback;
  const value = Number(text);
  if (value < options.min) throw new InvalidInputError(`${name} below ${options.min}`, name);
  return Math.min(value, options.max);
}

/** An ISO 8601 time as epoch milliseconds. */
export function readTime(query: QueryParams, name: string): number | undefined {
  const text = readText(query, name, ISO_TIME);
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  // Date.parse rolls 2026-02-31 over into March instead of refusing it.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!Number.isFinite(ms) || day < 1 || day > daysInMonth) throw new InvalidInputError(`bad ${name}`, name);
  return ms;
}
