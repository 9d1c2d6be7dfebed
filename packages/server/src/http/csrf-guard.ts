import { CsrfError, type CsrfTokens } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isStateChanging(method: string): boolean {
  return STATE_CHANGING.has(method);
}

/**
 * Fetch Metadata and Origin checks (OWASP CSRF cheat sheet). A browser sends `Sec-Fetch-Site`
 * on every request, so anything but `same-origin` is another site (or a sibling subdomain, which
 * can be hostile) driving the user's browser. Non-browser clients send neither header and pass
 * here; cookie-authenticated requests still need the token, which only same-origin script can read.
 */
export function assertSameOriginRequest(request: FastifyRequest, allowedOrigins: ReadonlySet<string>): void {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') throw new CsrfError('Sec-Fetch-Site is not same-origin');
  const origin = request.headers.origin;
  // `Origin: null` (sandboxed frames, some redirects) is never an allowed origin.
  if (origin !== undefined && !allowedOrigins.has(origin)) throw new CsrfError('Origin not allowed');
}

/** The synchronizer token: `x-csrf-token` must be the token bound to this session. */
export function assertCsrfToken(request: FastifyRequest, sessionId: string, csrf: CsrfTokens): void {
  if (!csrf.verify(sessionId, request.headers['x-csrf-token']))
    throw new CsrfError('missing or wrong CSRF token');
}
