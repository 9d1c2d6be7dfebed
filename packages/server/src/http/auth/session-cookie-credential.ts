import type { Auth } from '@gatehouse/core';
import type { CredentialReader } from './credential.ts';
import { clearSessionCookie, readSessionCookie } from './session-cookie.ts';

/** The `__Host-gh_session` cookie of the `session` strategy. */
export function createSessionCookieCredential(auth: Auth): CredentialReader {
  return {
    kind: 'session-cookie',
    ambient: true,
    isPresent: (request) => readSessionCookie(request) !== undefined,
    async authenticate(request, reply) {
      try {
        return await auth.validateSessionToken(readSessionCookie(request));
      } catch (error) {
        // A dead or forged cookie is removed so the browser stops presenting it.
        clearSessionCookie(reply);
        throw error;
      }
    },
  };
}
