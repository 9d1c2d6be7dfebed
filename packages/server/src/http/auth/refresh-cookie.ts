import type { CookieSerializeOptions } from '@fastify/cookie';
import { REFRESH_COOKIE } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

// The refresh token of the `hybrid` strategy (core protocol/credentials.ts).
export { REFRESH_COOKIE };

// Strict: no cross-site request ever carries it, not even a top-level navigation. Path: only the
// refresh endpoint receives it, so no other route (nor a script-injected request to one) sees it.
const attributes: CookieSerializeOptions = {
  httpOnly: true,
  secure: true,
  sameSite: 'strict',
  path: '/auth/refresh',
};

/** The presented refresh cookie, or undefined. */
export function readRefreshCookie(request: FastifyRequest): string | undefined {
  return request.cookies[REFRESH_COOKIE];
}

export function setRefreshCookie(reply: FastifyReply, refreshToken: string, maxAgeSeconds: number): void {
  reply.setCookie(REFRESH_COOKIE, refreshToken, {
    ...attributes,
    maxAge: Math.max(0, Math.floor(maxAgeSeconds)),
  });
}

/** Deletes the cookie in the browser; Path must match, or a different cookie would be addressed. */
export function clearRefreshCookie(reply: FastifyReply): void {
  reply.clearCookie(REFRESH_COOKIE, attributes);
}
