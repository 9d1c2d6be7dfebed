import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../lib/encoding.ts';

/**
 * CSRF tokens bound to a session: HMAC-SHA256(csrfKey, session id). Deterministic, so every tab of
 * a session shares one token and `GET /auth/csrf` can hand it out again without storing anything;
 * bound to the session, so a token from one session is useless in another.
 */
export interface CsrfTokens {
  issue(sessionId: string): string;
  verify(sessionId: string, presented: unknown): boolean;
}

export function createCsrfTokens(key: Uint8Array): CsrfTokens {
  if (key.byteLength < 32) throw new TypeError('CSRF key must be at least 256 bits');
  const issue = (sessionId: string) =>
    createHmac('sha256', key).update(`gatehouse-csrf:${sessionId}`).digest('base64url');
  return {
    issue,
    verify(sessionId, presented) {
      if (typeof presented !== 'string' || presented.length !== 43) return false;
      return constantTimeEqual(issue(sessionId), presented);
    },
  };
}
