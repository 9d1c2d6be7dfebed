import { type ErrorCode, parseAuthorization, SESSION_COOKIE } from '@gatehouse/core';
import type { VerifyRequestInput } from '../types.ts';

// The auth server's own cookie name (core protocol/credentials.ts).
export { SESSION_COOKIE };

export type Credential =
  | { kind: 'jwt'; value: string }
  | { kind: 'dpop'; value: string }
  | { kind: 'session'; value: string }
  | { kind: 'none' }
  | { kind: 'invalid'; code: ErrorCode };

/**
 * Picks the one credential of a request: the Authorization header when present (it is never
 * second-guessed by a cookie), otherwise the session cookie. The URL is never looked at: a token
 * in a query string ends up in logs, histories and Referer headers (RFC 6750 §5.3).
 */
export function readCredential(request: VerifyRequestInput): Credential {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) return readAuthorization(authorization);
  const cookie = request.cookies
    ? parsedCookieValue(request.cookies[SESSION_COOKIE])
    : readCookieHeader(request.headers.cookie);
  if (typeof cookie === 'object') return cookie;
  return cookie ? { kind: 'session', value: cookie } : { kind: 'none' };
}

/**
 * A framework's parsed cookie is a string, unless a parser made it something else (cookie-parser
 * turns `j:{...}` into an object): that is refused, never taken for a credential of its own.
 */
function parsedCookieValue(value: unknown): string | undefined | Credential {
  if (value === undefined || typeof value === 'string') return value;
  return { kind: 'invalid', code: 'ERR_SESSION_INVALID' };
}

function readAuthorization(header: string | string[]): Credential {
  // Two Authorization headers are ambiguous: whichever we picked, a proxy may have checked the other.
  if (Array.isArray(header)) {
    if (header.length !== 1) return { kind: 'invalid', code: 'ERR_TOKEN_MALFORMED' };
    return readAuthorization(header[0]!);
  }
  // The auth server's parser (core protocol/credentials.ts); only what follows is the SDK's rule.
  const parsed = parseAuthorization(header);
  switch (parsed.scheme) {
    case 'Bearer':
      return parsed.token === null
        ? { kind: 'invalid', code: 'ERR_TOKEN_MALFORMED' }
        : { kind: 'jwt', value: parsed.token };
    case 'DPoP':
      return parsed.token === null
        ? { kind: 'invalid', code: 'ERR_TOKEN_BINDING' }
        : { kind: 'dpop', value: parsed.token };
    // Another scheme (Basic...) is not ours to judge: no credentials.
    case 'other':
      return { kind: 'invalid', code: 'ERR_UNAUTHENTICATED' };
    // No scheme at all (a bare token): a bad token.
    case 'invalid':
      return { kind: 'invalid', code: 'ERR_TOKEN_MALFORMED' };
  }
}

/** The session cookie's value from raw Cookie header(s); two of them is refused rather than guessed. */
function readCookieHeader(header: string | string[] | undefined): string | undefined | Credential {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join('; ') : header;
  const at = text.indexOf(SESSION_COOKIE);
  if (at === -1) return undefined;
  const sole = soleCookieValue(text, at);
  if (sole !== undefined) return sole;
  let found: string | undefined;
  for (const pair of text.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== SESSION_COOKIE) continue;
    if (found !== undefined) return { kind: 'invalid', code: 'ERR_SESSION_INVALID' };
    found = pair.slice(equals + 1).trim();
  }
  return found;
}

/** True for any character `trim()` might remove (and for some it keeps): all but printable ASCII. */
function mayBeTrimmed(code: number): boolean {
  return code <= 0x20 || code >= 0x7f;
}

/**
 * The common case, read without splitting the header: the name occurs once, at the start or right
 * after "; ", is followed by "=", and its value (up to the next ";") has nothing `trim()` could
 * remove at either end. Then the split below would find exactly this value. Undefined otherwise.
 */
function soleCookieValue(text: string, at: number): string | undefined {
  const equals = at + SESSION_COOKIE.length;
  if (text.charCodeAt(equals) !== 0x3d) return undefined;
  if (at !== 0 && (text.charCodeAt(at - 1) !== 0x20 || text.charCodeAt(at - 2) !== 0x3b)) return undefined;
  if (text.indexOf(SESSION_COOKIE, equals) !== -1) return undefined;
  const semicolon = text.indexOf(';', equals);
  const value = text.slice(equals + 1, semicolon === -1 ? text.length : semicolon);
  if (
    value.length > 0 &&
    (mayBeTrimmed(value.charCodeAt(0)) || mayBeTrimmed(value.charCodeAt(value.length - 1)))
  )
    return undefined;
  return value;
}
