/**
 * The HTTP tests' login helpers: the test client over `app.inject`, answering with Fastify's own
 * response objects. Not a test file itself.
 */
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import {
  createTestClient,
  type SessionLogin,
  TEST_PASSWORD,
  type TokenLogin as ClientTokenLogin,
} from './test-client.ts';
import { injectTransport } from './test-transports.ts';

/** The test client of an app, over inject. */
export function injectClient(app: Pick<FastifyInstance, 'inject'>) {
  return createTestClient(injectTransport(app));
}

export async function register(app: FastifyInstance, email: string, password = TEST_PASSWORD) {
  return (await injectClient(app).register(email, password)).raw;
}

/** A session-strategy login: the cookie (`__Host-gh_session=<token>`), its token and CSRF token, the ids. */
export type LoggedIn = SessionLogin;

export async function login(
  app: FastifyInstance,
  email: string,
  password = TEST_PASSWORD,
  headers: Record<string, string> = {},
): Promise<LoggedIn> {
  return (await injectClient(app).login(email, 'session', { password, headers })).login;
}

export async function registerAndLogin(app: FastifyInstance, email: string): Promise<LoggedIn> {
  assert.equal((await register(app, email)).statusCode, 202);
  return login(app, email);
}

export async function getMe(app: FastifyInstance, cookie: string) {
  return (await injectClient(app).me({ cookie })).raw;
}

export interface TokenLogin extends ClientTokenLogin {
  response: LightMyRequestResponse;
}

/** Logs in with the hybrid or token strategy and picks the credentials out of the answer. */
export async function loginWithTokens(
  app: FastifyInstance,
  email: string,
  strategy: 'hybrid' | 'token',
  password = TEST_PASSWORD,
): Promise<TokenLogin> {
  const { answer, login } = await injectClient(app).login(email, strategy, { password });
  return { response: answer.raw, ...login };
}

export async function registerAndLoginWithTokens(
  app: FastifyInstance,
  email: string,
  strategy: 'hybrid' | 'token',
): Promise<TokenLogin> {
  assert.equal((await register(app, email)).statusCode, 202);
  return loginWithTokens(app, email, strategy);
}

/** `POST /auth/refresh` as a same-origin page of the hybrid strategy makes it. */
export async function refreshWithCookie(
  app: FastifyInstance,
  refreshToken: string,
  csrfToken: string | undefined,
  headers: Record<string, string> = {},
) {
  return (await injectClient(app).refreshWithCookie(refreshToken, csrfToken, headers)).raw;
}

/** `POST /auth/refresh` as a token-strategy client makes it. */
export async function refreshWithBody(app: FastifyInstance, refreshToken: unknown) {
  return (await injectClient(app).refreshWithBody(refreshToken)).raw;
}
