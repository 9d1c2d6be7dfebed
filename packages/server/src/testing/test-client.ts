/**
 * The one test client: registers, logs in per strategy and presents the credentials the way each
 * kind of client does (cookie + CSRF token from a same-origin page, Bearer, refresh by cookie or
 * body). It speaks through a transport: Fastify inject (unit tests, bench), fetch to a URL (e2e),
 * or any function that sends a request (the security suite's raw sockets). Not a test file itself.
 */
import assert from 'node:assert/strict';
import { REFRESH_COOKIE, SESSION_COOKIE } from '@gatehouse/core';

/** The default issuer's origin: the one allowed origin of the test servers. */
export const TEST_ORIGIN = 'http://localhost:3000';
export const TEST_PASSWORD = 'a long enough passphrase';

export interface TestRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as JSON (with `content-type: application/json`). */
  json?: unknown;
}

/** An answer as every transport gives it; `raw` is the transport's own response object. */
export interface TestAnswer<Raw> {
  status: number;
  /** Every Set-Cookie line. */
  setCookies: string[];
  body: string;
  raw: Raw;
}

export type Transport<Raw> = (request: TestRequest) => Promise<TestAnswer<Raw>>;

export type TokenStrategy = 'hybrid' | 'token';

export interface SessionLogin {
  strategy: 'session';
  email: string;
  userId: string;
  sessionId: string;
  /** The session token (`id.secret`). */
  token: string;
  /** `__Host-gh_session=<token>`, ready for a Cookie header. */
  cookie: string;
  csrfToken: string;
}

export interface TokenLogin {
  strategy: TokenStrategy;
  email: string;
  userId: string;
  sessionId: string;
  accessToken: string;
  /** From the body (token) or the refresh cookie (hybrid). */
  refreshToken: string;
  /** Hybrid only. */
  csrfToken: string | undefined;
}

export type Login = SessionLogin | TokenLogin;

export interface LoginOptions {
  password?: string;
  /** Extra request headers (e.g. a forwarded address). */
  headers?: Record<string, string>;
}

/** The value of the named cookie among Set-Cookie lines, or undefined. */
export function cookieValue(setCookies: string[], name: string): string | undefined {
  for (const line of setCookies) {
    const [pair = ''] = line.split(';');
    const equals = pair.indexOf('=');
    if (pair.slice(0, equals).trim() === name) return pair.slice(equals + 1);
  }
  return undefined;
}

/** The claims of a JWS, read without verifying (tests only). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

/** The protected header of a JWS, read without verifying (tests only). */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
}

export function bearer(accessToken: string): Record<string, string> {
  return { authorization: `Bearer ${accessToken}` };
}

/** Headers of a cookie-authenticated state change made by a same-origin page. */
export function sameOriginHeaders(
  login: Pick<SessionLogin, 'cookie' | 'csrfToken'>,
  origin = TEST_ORIGIN,
): Record<string, string> {
  return { cookie: login.cookie, 'x-csrf-token': login.csrfToken, origin, 'sec-fetch-site': 'same-origin' };
}

/** The headers that present a login's credential: Bearer for the token strategies, else the cookie. */
export function credentialHeaders(login: Login, origin = TEST_ORIGIN): Record<string, string> {
  return login.strategy === 'session' ? sameOriginHeaders(login, origin) : bearer(login.accessToken);
}

/** The credentials out of a 200 login answer. */
function readLogin(email: string, strategy: Login['strategy'], answer: TestAnswer<unknown>): Login {
  const body = JSON.parse(answer.body);
  if (strategy === 'session') {
    const token = cookieValue(answer.setCookies, SESSION_COOKIE);
    assert.ok(token, 'login sets the session cookie');
    const cookie = `${SESSION_COOKIE}=${token}`;
    return {
      strategy,
      email,
      userId: body.user.id,
      sessionId: body.session.id,
      token,
      cookie,
      csrfToken: body.csrfToken,
    };
  }
  const refreshToken =
    strategy === 'hybrid' ? cookieValue(answer.setCookies, REFRESH_COOKIE) : body.refreshToken;
  assert.ok(refreshToken, `the ${strategy} login hands out a refresh token`);
  return {
    strategy,
    email,
    userId: body.user.id,
    sessionId: claimsOf(body.accessToken).sid as string,
    accessToken: body.accessToken,
    refreshToken,
    csrfToken: body.csrfToken,
  };
}

export function createTestClient<Raw>(send: Transport<Raw>, options: { origin?: string } = {}) {
  const origin = options.origin ?? TEST_ORIGIN;

  async function login(
    email: string,
    strategy: 'session',
    options?: LoginOptions,
  ): Promise<{ answer: TestAnswer<Raw>; login: SessionLogin }>;
  async function login(
    email: string,
    strategy: TokenStrategy,
    options?: LoginOptions,
  ): Promise<{ answer: TestAnswer<Raw>; login: TokenLogin }>;
  async function login(
    email: string,
    strategy: Login['strategy'],
    options?: LoginOptions,
  ): Promise<{ answer: TestAnswer<Raw>; login: Login }>;
  async function login(email: string, strategy: Login['strategy'], options: LoginOptions = {}) {
    const password = options.password ?? TEST_PASSWORD;
    // The session strategy is the default: its login sends none, as a browser page does.
    const json = strategy === 'session' ? { email, password } : { email, password, strategy };
    const answer = await send({ method: 'POST', path: '/auth/login', headers: options.headers ?? {}, json });
    assert.equal(
      answer.status,
      200,
      `login (${strategy}) answered ${answer.status}: ${answer.body.slice(0, 200)}`,
    );
    return { answer, login: readLogin(email, strategy, answer) };
  }

  return {
    send,
    /** `POST /auth/register`; the answer, unchecked. */
    register: (email: string, password = TEST_PASSWORD) =>
      send({ method: 'POST', path: '/auth/register', json: { email, password } }),
    /** Logs in with `strategy`, asserts 200 and picks the credentials out of the answer. */
    login,
    /** `GET /auth/me` with the given credential headers. */
    me: (headers: Record<string, string>) => send({ method: 'GET', path: '/auth/me', headers }),
    /** `POST /auth/refresh` as a same-origin page of the hybrid strategy makes it. */
    refreshWithCookie: (
      refreshToken: string,
      csrfToken: string | undefined,
      headers: Record<string, string> = {},
    ) =>
      send({
        method: 'POST',
        path: '/auth/refresh',
        headers: {
          cookie: `${REFRESH_COOKIE}=${refreshToken}`,
          origin,
          'sec-fetch-site': 'same-origin',
          ...(csrfToken === undefined ? {} : { 'x-csrf-token': csrfToken }),
          ...headers,
        },
      }),
    /** `POST /auth/refresh` as a token-strategy client makes it. */
    refreshWithBody: (refreshToken: unknown) =>
      send({ method: 'POST', path: '/auth/refresh', json: { refreshToken } }),
    /** The headers presenting `login`'s credential, same-origin for a cookie. */
    credentialHeaders: (login: Login) => credentialHeaders(login, origin),
  };
}

export type TestClient<Raw> = ReturnType<typeof createTestClient<Raw>>;
