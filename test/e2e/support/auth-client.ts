import assert from 'node:assert/strict';
import {
  claimsOf,
  createTestClient,
  fetchTransport,
  TEST_ORIGIN,
  TEST_PASSWORD,
} from '@gatehouse/server/testing/client';
import { SESSION_COOKIE } from '@gatehouse/verify';

export const PASSWORD = TEST_PASSWORD;

/** A credential as a client holds it after login, with the ids the feed's events name. */
export type Credential =
  | { kind: 'bearer'; accessToken: string; sid: string; sub: string }
  | { kind: 'cookie'; cookie: string; csrfToken: string; sid: string; sub: string };

/** The request headers that present `credential`, to the auth server and to services alike. */
export function credentialHeaders(credential: Credential): Record<string, string> {
  return credential.kind === 'bearer'
    ? { authorization: `Bearer ${credential.accessToken}` }
    : { cookie: `${SESSION_COOKIE}=${credential.cookie}`, 'x-csrf-token': credential.csrfToken };
}

/** `credentialHeaders` for a POST: a cookie-authenticated state change also says where it comes from. */
function stateChangeHeaders(credential: Credential): Record<string, string> {
  // The servers under test keep the default issuer, so their allowed origin is the test origin.
  return credential.kind === 'cookie'
    ? { ...credentialHeaders(credential), origin: TEST_ORIGIN }
    : credentialHeaders(credential);
}

/** Talks to a real Gatehouse server over HTTP, as a client application would (the test client over fetch). */
export function createAuthClient(baseUrl: string) {
  const client = createTestClient(fetchTransport(baseUrl));
  const post = (path: string, headers: Record<string, string>) =>
    client.send({ method: 'POST', path, headers });

  return {
    async register(email: string): Promise<void> {
      const answer = await client.register(email);
      assert.equal(answer.status, 202, `register ${email}`);
    },

    async loginWithToken(email: string): Promise<Credential & { kind: 'bearer' }> {
      const { login } = await client.login(email, 'token');
      // The ids as the token carries them (unverified): the feed's events name these.
      const { sid, sub } = claimsOf(login.accessToken) as { sid: string; sub: string };
      return { kind: 'bearer', accessToken: login.accessToken, sid, sub };
    },

    async loginWithSession(email: string): Promise<Credential & { kind: 'cookie' }> {
      const { login } = await client.login(email, 'session');
      return {
        kind: 'cookie',
        cookie: login.token,
        csrfToken: login.csrfToken,
        sid: login.sessionId,
        sub: login.userId,
      };
    },

    /** `POST /auth/logout` with the credential; the answer, unchecked. */
    logoutAnswer: (credential: Credential) => post('/auth/logout', stateChangeHeaders(credential)),

    /** `POST /auth/logout` with the credential; asserts 204. */
    async logout(credential: Credential): Promise<void> {
      const answer = await post('/auth/logout', stateChangeHeaders(credential));
      assert.equal(answer.status, 204, 'logout');
    },

    /** `GET /auth/me` with the credential; the answer, unchecked. */
    me: (credential: Credential) => client.me(credentialHeaders(credential)),

    /** `GET /auth/sessions` with the credential: the ids of the live sessions it lists; asserts 200. */
    async sessionIds(credential: Credential): Promise<string[]> {
      const answer = await client.send({
        method: 'GET',
        path: '/auth/sessions',
        headers: credentialHeaders(credential),
      });
      assert.equal(answer.status, 200, 'GET /auth/sessions');
      return (JSON.parse(answer.body) as { sessions: { id: string }[] }).sessions.map(
        (session) => session.id,
      );
    },

    /** `POST /auth/logout-all` with the credential; asserts 204. */
    async logoutAll(credential: Credential): Promise<void> {
      const answer = await post('/auth/logout-all', stateChangeHeaders(credential));
      assert.equal(answer.status, 204, 'logout-all');
    },
  };
}

export type AuthClient = ReturnType<typeof createAuthClient>;
