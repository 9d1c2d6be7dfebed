import assert from 'node:assert/strict';
import { SESSION_COOKIE } from '@gatehouse/verify';

export const PASSWORD = 'a long enough passphrase';

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

/** The servers under test keep the default issuer, so their allowed origin is this one. */
const ORIGIN = 'http://localhost:3000';

/** `credentialHeaders` for a POST: a cookie-authenticated state change also says where it comes from. */
function stateChangeHeaders(credential: Credential): Record<string, string> {
  return credential.kind === 'cookie'
    ? { ...credentialHeaders(credential), origin: ORIGIN }
    : credentialHeaders(credential);
}

/** The claims of a JWT, unverified: the test only reads the ids it was issued with. */
function readClaims(token: string): { sid: string; sub: string } {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

/** Talks to a real Gatehouse server over HTTP, as a client application would. */
export function createAuthClient(baseUrl: string) {
  const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });

  async function login(email: string, strategy: 'token' | 'session'): Promise<Response> {
    const response = await post('/auth/login', { email, password: PASSWORD, strategy });
    assert.equal(response.status, 200, `login of ${email} (${strategy})`);
    return response;
  }

  return {
    async register(email: string): Promise<void> {
      const response = await post('/auth/register', { email, password: PASSWORD });
      assert.equal(response.status, 202, `register ${email}`);
    },

    async loginWithToken(email: string): Promise<Credential & { kind: 'bearer' }> {
      const { accessToken } = (await (await login(email, 'token')).json()) as { accessToken: string };
      return { kind: 'bearer', accessToken, ...readClaims(accessToken) };
    },

    async loginWithSession(email: string): Promise<Credential & { kind: 'cookie' }> {
      const response = await login(email, 'session');
      const body = (await response.json()) as {
        user: { id: string };
        session: { id: string };
        csrfToken: string;
      };
      const setCookie = response.headers.getSetCookie().find((line) => line.startsWith(`${SESSION_COOKIE}=`));
      assert.ok(setCookie, 'login sets the session cookie');
      const cookie = setCookie.slice(SESSION_COOKIE.length + 1).split(';', 1)[0]!;
      return { kind: 'cookie', cookie, csrfToken: body.csrfToken, sid: body.session.id, sub: body.user.id };
    },

    /** `POST /auth/logout` with the credential; asserts 204. */
    async logout(credential: Credential): Promise<void> {
      const response = await post('/auth/logout', undefined, stateChangeHeaders(credential));
      assert.equal(response.status, 204, 'logout');
    },

    /** `POST /auth/logout-all` with the credential; asserts 204. */
    async logoutAll(credential: Credential): Promise<void> {
      const response = await post('/auth/logout-all', undefined, stateChangeHeaders(credential));
      assert.equal(response.status, 204, 'logout-all');
    },
  };
}

export type AuthClient = ReturnType<typeof createAuthClient>;
