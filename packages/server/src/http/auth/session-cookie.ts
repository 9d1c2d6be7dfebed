import type { CookieSerializeOptions } from '@fastify/cookie';
import { SESSION_COOKIE } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

// `__Host-` (core protocol/credentials.ts): no subdomain or plain-http page can plant it (session fixation).
export { SESSION_COOKIE };

// Lax, not Strict: a user following a link to the app arrives signed in. Cross-site POSTs still
// carry no cookie, and every state change also needs the CSRF token.
const attributes: CookieSerializeOptions = { httpOnly: true, secure: true, sameSite: 'lax', path: '/' };

/** The presented session cookie, or undefined. */
export function readSessionCookie(request: FastifyRequest): string | undefined {
  return request.cookies[SESSION_COOKIE];
}

export function setSessionCookie(reply: FastifyReply, sessionToken: string, maxAgeSeconds: number): void {
  reply.setCookie(SESSION_COOKIE, sessionToken, { ...attributes, maxAge: Math.floor(maxAgeSeconds) });
}

/** Deletes the cookie in the browser; the attributes must match or a `__Host-` cookie is not replaced. */
export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, attributes);
}
