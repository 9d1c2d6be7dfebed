import { CsrfError, type CsrfTokens } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method);
}

/**
 * Fetch Metadata and Origin checks for requests that carry no ambient credential (login, register,
 * password reset: OWASP CSRF cheat sheet). A browser sends `Sec-Fetch-Site` on every request, so
 * anything but `same-origin` is another site (or a sibling subdomain, which can be hostile) driving
 * the user's browser. Non-browser clients send neither header and pass here: with no cookie there
 * is nothing for a forged request to ride on.
 */
export function assertSameOriginRequest(request: FastifyRequest, allowedOrigins: ReadonlySet<string>): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') throw new CsrfError('Sec-Fetch-Site is not same-origin');
  const origin = request.headers.origin;
  // `Origin: null` (sandboxed frames, some redirects) is never an allowed origin.
  if (origin !== undefined && !allowedOrigins.has(origin)) throw new CsrfError('Origin not allowed');
}

/** The origin of a Referer header, or null when it is not an absolute http(s) URL. */
function refererOrigin(referer: string): string | null {
  try {
    const url = new URL(referer);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : null;
  } catch {
    return null;
  }
}

/**
 * The contract for cookie-authenticated state changes (docs/api.md): the request must prove it
 * comes from an allowed origin. A foreign `Origin` or a `Sec-Fetch-Site` other than `same-origin`
 * is refused; an allowed `Origin` or `Sec-Fetch-Site: same-origin` passes; when both are absent a
 * `Referer` from an allowed origin passes, and anything else (no header at all, a foreign or
 * unparsable Referer) is refused. The CSRF token is checked on top of this.
 */
export function assertSameOriginCookieRequest(
  request: FastifyRequest,
  allowedOrigins: ReadonlySet<string>,
): void {
  assertSameOriginRequest(request, allowedOrigins);
  if (request.headers.origin !== undefined || request.headers['sec-fetch-site'] !== undefined) return;
  const referer = request.headers.referer;
  if (referer === undefined) throw new CsrfError('no Origin, Sec-Fetch-Site or Referer');
  const origin = refererOrigin(referer);
  if (origin === null || !allowedOrigins.has(origin))
    throw new CsrfError('Referer not from an allowed origin');
}

/** The synchronizer token: `x-csrf-token` must be the token bound to this session. */
export function assertCsrfToken(request: FastifyRequest, sessionId: string, csrf: CsrfTokens): void {
  if (!csrf.verify(sessionId, request.headers['x-csrf-token']))
    throw new CsrfError('missing or wrong CSRF token');
}
