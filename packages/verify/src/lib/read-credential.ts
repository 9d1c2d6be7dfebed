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
  const cookie = request.cookies ? request.cookies[SESSION_COOKIE] : readCookieHeader(request.headers.cookie);
  if (typeof cookie === 'object') return cookie;
  return cookie ? { kind: 'session', value: cookie } : { kind: 'none' };
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
  if (!text.includes(SESSION_COOKIE)) return undefined;
  let found: string | undefined;
  for (const pair of text.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== SESSION_COOKIE) continue;
    if (found !== undefined) return { kind: 'invalid', code: 'ERR_SESSION_INVALID' };
    found = pair.slice(equals + 1).trim();
  }
  return found;
}
