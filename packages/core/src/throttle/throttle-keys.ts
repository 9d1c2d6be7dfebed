import { isIPv4, isIPv6 } from 'node:net';
import { sha256Base64Url } from '../lib/encoding.ts';

/**
 * The throttle key of an account: a SHA-256 of the normalised email, whether or not an account has
 * it, so counters (and audit events about unknown emails) never hold an address in clear and an
 * unknown email is throttled exactly like a known one.
 */
export function accountThrottleKey(normalizedEmail: string): string {
  return sha256Base64Url(normalizedEmail);
}

/**
 * The throttle key of a client address. IPv4 (also IPv4-mapped IPv6) as it is; IPv6 by its /64,
 * because one host commonly holds a whole /64 and could otherwise rotate addresses for free.
 * Null when there is no usable address (a call from the CLI): per-address limits do not apply.
 */
export function ipThrottleKey(ip: string | null): string | null {
  if (ip === null) return null;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return null;
  return `${expandIpv6(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address, lower-case, without leading zeros. */
function expandIpv6(ip: string): string[] {
  const [head = '', tail] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array.from({ length: missing }, () => '0'), ...right].map((part) =>
    part.replace(/^0+(?=.)/, ''),
  );
}
