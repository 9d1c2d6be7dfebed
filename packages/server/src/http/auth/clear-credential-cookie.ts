import type { Strategy } from '@gatehouse/core';
import type { FastifyReply } from 'fastify';
import { clearRefreshCookie } from './refresh-cookie.ts';
import { clearSessionCookie } from './session-cookie.ts';

/** Removes the cookie a session of `strategy` lives in (a `token` session has none). */
export function clearCredentialCookie(reply: FastifyReply, strategy: Strategy): void {
  if (strategy === 'session') clearSessionCookie(reply);
  else if (strategy === 'hybrid') clearRefreshCookie(reply);
}
