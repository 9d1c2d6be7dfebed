/**
 * CORS for browser apps (the example SPA) on the origins listed in CORS_ORIGINS (comma-separated;
 * start.ts sets it when the SPA runs). Bearer tokens only: `Access-Control-Allow-Credentials` is
 * never sent, so a browser never attaches cookies to these cross-origin calls. `WWW-Authenticate`
 * is exposed so that the page's client can tell a refused token from other 401s.
 */
import type { RequestHandler } from 'express';

export function corsOrigins(): string[] {
  return (process.env.CORS_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}

export const CORS = {
  allowMethods: ['GET'],
  allowHeaders: ['Authorization'],
  exposeHeaders: ['WWW-Authenticate'],
  maxAge: 600,
} as const;

/** The same policy as an Express middleware; answers preflights itself (before any guard). */
export function expressCors(allowed: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (origin === undefined || !allowed.includes(origin)) return next();
    res.set('access-control-allow-origin', origin);
    res.set('access-control-expose-headers', CORS.exposeHeaders.join(', '));
    if (req.method !== 'OPTIONS') return next();
    res.set('access-control-allow-methods', CORS.allowMethods.join(', '));
    res.set('access-control-allow-headers', CORS.allowHeaders.join(', '));
    res.set('access-control-max-age', String(CORS.maxAge));
    res.status(204).end();
  };
}
