import { hkdfSync } from 'node:crypto';
import { isIP } from 'node:net';
import { fromBase64Url, type SigningAlgorithm } from '@gatehouse/core';
import { ConfigError } from './config-error.ts';

/**
 * The parsers of the settings table. Each takes the setting's text (never blank) and its env
 * name, and throws a ConfigError naming the setting; a secret value is never quoted back.
 */
type Parser<T> = (text: string, name: string) => T;

/** A whole number from `min` to `max`. */
export function integer(min: number, max: number): Parser<number> {
  return (text, name) => {
    if (!/^\d{1,15}$/.test(text.trim())) throw new ConfigError(name, `${name} must be a whole number`);
    const value = Number(text.trim());
    if (value < min || value > max) throw new ConfigError(name, `${name} must be between ${min} and ${max}`);
    return value;
  };
}

/** A number like 3 or 2.5, from `min` to `max`. */
export function decimal(min: number, max: number): Parser<number> {
  return (text, name) => {
    const trimmed = text.trim();
    if (!/^\d{1,6}(\.\d{1,6})?$/.test(trimmed))
      throw new ConfigError(name, `${name} must be a number like 3 or 2.5`);
    const value = Number(trimmed);
    if (value < min || value > max) throw new ConfigError(name, `${name} must be between ${min} and ${max}`);
    return value;
  };
}

/** One of `choices`, in any case; `said` is how the error lists them ("sql or redis"). */
export function oneOf<const T extends string>(choices: readonly T[], said: string): Parser<T> {
  return (text, name) => {
    const value = text.trim().toLowerCase();
    const choice = choices.find((candidate) => candidate === value);
    if (choice === undefined) throw new ConfigError(name, `${name} must be ${said}`);
    return choice;
  };
}

/** The text, trimmed. */
export const trimmed: Parser<string> = (text) => text.trim();

/** `on` or `off`. */
export const onOff: Parser<boolean> = (text, name) => oneOf(['on', 'off'], 'on or off')(text, name) === 'on';

export function parseBoolean(text: string, name: string): boolean {
  const value = text.trim().toLowerCase();
  if (value === 'true' || value === '1' || value === 'yes') return true;
  if (value === 'false' || value === '0' || value === 'no') return false;
  throw new ConfigError(name, `${name} must be true or false`);
}

export function parseHttpUrl(text: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError(name, `${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(name, `${name} must be an absolute http(s) URL`);
  if (url.username || url.password || url.search || url.hash)
    throw new ConfigError(name, `${name} must not contain credentials, a query or a fragment`);
  return url;
}

/** Returns the origin when `text` is exactly an origin (an optional trailing slash is tolerated). */
function parseOrigin(text: string, name: string): string {
  const url = parseHttpUrl(text, name);
  if (url.pathname !== '/') {
    throw new ConfigError(
      name,
      `${name}: ${JSON.stringify(text.trim())} is not an origin (scheme://host[:port])`,
    );
  }
  return url.origin;
}

/** Comma-separated origins, de-duplicated; at least one. */
export function parseOrigins(text: string, name: string): string[] {
  const origins = [
    ...new Set(
      text
        .split(',')
        .filter((entry) => entry.trim() !== '')
        .map((entry) => parseOrigin(entry, name)),
    ),
  ];
  if (origins.length === 0) throw new ConfigError(name, `${name} must list an origin`);
  return origins;
}

/** A connection URL whose scheme is one of `protocols` (`postgres:`); it usually holds a password. */
export function connectionUrl(protocols: readonly string[]): Parser<string> {
  return (text, name) => {
    let url: URL;
    try {
      url = new URL(text.trim());
    } catch {
      // The value usually holds a password: say what is wrong, not what was given.
      throw new ConfigError(name, `${name} is not a valid URL`);
    }
    if (!protocols.includes(url.protocol))
      throw new ConfigError(name, `${name} must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    return text.trim();
  };
}

/** `host:port` pairs separated by commas (Redis Sentinels, say); IPv6 hosts in brackets. */
export const hostPorts: Parser<Array<{ host: string; port: number }>> = (text, name) => {
  const pairs = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (pairs.length === 0)
    throw new ConfigError(name, `${name} must list host:port pairs, separated by commas`);
  return pairs.map((pair) => {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(pair);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535)
      throw new ConfigError(name, `${name}: "${pair}" is not host:port (an IPv6 host in brackets)`);
    return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
};

/** A bearer secret services present: compared as such, a short one could be guessed online. */
export function bearerToken(text: string, name: string): string {
  const token = text.trim();
  if (token.length < 32 || /\s/.test(token))
    throw new ConfigError(name, `${name} must be at least 32 characters, no spaces`);
  return token;
}

/**
 * Fastify's `trustProxy`: off, on (trust every hop: only when a proxy you control is the sole way
 * in), or the proxies' addresses. No hop count: Fastify 5 fails closed on one, by design.
 */
export type TrustProxy = boolean | string[];

// proxy-addr's names for the reserved ranges.
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

export function parseTrustProxy(text: string, name: string): TrustProxy {
  const value = text.trim();
  if (/^(true|false|1|0|yes|no)$/i.test(value)) return parseBoolean(value, name);
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new ConfigError(name, `${name} must not be empty`);
  for (const entry of entries) {
    if (PROXY_RANGE_NAMES.has(entry)) continue;
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixOk =
      prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(
        name,
        `${name}: ${JSON.stringify(entry)} is not an IP address, CIDR range or range name`,
      );
    }
  }
  return entries;
}

export function parseSecretKey(text: string, name: string): Uint8Array {
  const bytes = fromBase64Url(text.trim());
  if (!bytes || bytes.byteLength < 32)
    throw new ConfigError(name, `${name} must be base64url encoding at least 32 bytes`);
  return new Uint8Array(bytes);
}

const KEY_ENCRYPTION_KEY_BYTES = 32;

/**
 * The keyring takes exactly 32 bytes. A 32-byte value is used as it is; a longer one is condensed
 * with HKDF-SHA256 (no entropy is lost up to 32 bytes, and the result is the same on every instance).
 */
export function parseKeyEncryptionKey(text: string, name: string): Uint8Array {
  const bytes = parseSecretKey(text, name);
  if (bytes.byteLength === KEY_ENCRYPTION_KEY_BYTES) return bytes;
  return new Uint8Array(
    hkdfSync('sha256', bytes, new Uint8Array(0), 'gatehouse/key-encryption-key', KEY_ENCRYPTION_KEY_BYTES),
  );
}

const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'RS256', 'HS256'];

export function parseSigningAlgorithm(text: string, name: string): SigningAlgorithm {
  const wanted = text.trim().toLowerCase();
  const algorithm = SIGNING_ALGORITHMS.find((candidate) => candidate.toLowerCase() === wanted);
  if (!algorithm) throw new ConfigError(name, `${name} must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  return algorithm;
}
