/**
 * Shared set-up for the HTTP tests: an app over the memory store with a manual clock, a fast
 * hasher that counts its calls, and helpers that log in and read cookies. Not a test file itself.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  type Auth,
  createAccessTokens,
  createAuthDeps,
  createAuthFromDeps,
  createCsrfTokens,
  createInProcessFeed,
  createKeyring,
  type DpopNonces,
  type GatehouseStore,
  type PasswordHasher,
  type SigningAlgorithm,
  type Throttles,
} from '@gatehouse/core';
import { createFastHasher, createManualClock, createMemoryStore } from '@gatehouse/core/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { TrustProxy } from '../config.ts';
import { createOutboxMailer } from '../mail/outbox-mailer.ts';
import type { GatehouseMetrics } from '../metrics/gatehouse-metrics.ts';
import type { OAuthClient } from '../oauth/clients.ts';
import { acceptedAlgorithms } from '../keys/signing-keys.ts';
import { type AppLoggerOptions, buildApp } from '../http/app.ts';
import { REFRESH_COOKIE } from '../http/auth/refresh-cookie.ts';
import { SESSION_COOKIE } from '../http/auth/session-cookie.ts';

export const ORIGIN = 'http://localhost:3000';
/** The issuer of the test servers' tokens (the default issuer: the same as ORIGIN). */
export const ISSUER = ORIGIN;
export const AUDIENCE = 'gatehouse';
export const PASSWORD = 'a long enough passphrase';
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
/** The test servers' password-reset links: this followed by the token. */
export const RESET_URL = `${ORIGIN}/reset#token=`;

export interface TestServerOptions {
  logger?: AppLoggerOptions;
  /** Wraps the memory store, e.g. to make a method fail. */
  wrapStore?: (store: GatehouseStore) => GatehouseStore;
  trustProxy?: TrustProxy;
  /** A real backend (SQLite, PostgreSQL) instead of a fresh memory store; the caller closes it. */
  store?: GatehouseStore;
  /** Default ES256. */
  signingAlgorithm?: SigningAlgorithm;
  /** Enables `/oauth/introspect` and guards the feed endpoints. */
  serviceToken?: string;
  /** The instruments behind `/metrics` (default: a fresh set with default settings). */
  metrics?: GatehouseMetrics;
  /** Default: none, so suites that fail logins on purpose are not locked out by the backoff. */
  throttles?: Throttles;
  /** Registered OAuth clients besides the default one. */
  clients?: OAuthClient[];
  /** Server nonces every DPoP proof must carry. */
  dpopNonces?: DpopNonces;
}

export function createTestServer(options: TestServerOptions = {}) {
  const clock = createManualClock();
  const backing = options.store ?? createMemoryStore();
  const store = options.wrapStore ? options.wrapStore(backing) : backing;
  const inner = createFastHasher();
  const calls = { hash: 0, verify: 0 };
  const hasher: PasswordHasher = {
    hash: (password) => {
      calls.hash++;
      return inner.hash(password);
    },
    verify: (encoded, password) => {
      calls.verify++;
      return inner.verify(encoded, password);
    },
    needsRehash: () => false,
  };
  // Heartbeats only when a test sends them: the manual clock never moves by itself.
  const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
  // Reset links land in an outbox the tests read.
  const outbox = createOutboxMailer();
  const authDeps = createAuthDeps({
    store,
    clock,
    hasher,
    revocations: feed,
    throttles: options.throttles,
    passwordReset: { mailer: outbox, linkPrefix: RESET_URL },
  });
  const auth: Auth = createAuthFromDeps(authDeps);
  const csrf = createCsrfTokens(randomBytes(32));
  const signingAlgorithm = options.signingAlgorithm ?? 'ES256';
  const keyring = createKeyring({
    store: store.keys,
    kek: randomBytes(32),
    clock,
    algorithm: signingAlgorithm,
  });
  const accessTokens = createAccessTokens({
    auth,
    keyring,
    issuer: ISSUER,
    audience: AUDIENCE,
    algorithms: acceptedAlgorithms(signingAlgorithm),
    clock,
  });
  const app: FastifyInstance = buildApp({
    auth,
    authDeps,
    accessTokens,
    keyring,
    csrf,
    config: {
      allowedOrigins: [ORIGIN],
      trustProxy: options.trustProxy ?? false,
      issuer: ISSUER,
      signingAlgorithm,
      serviceToken: options.serviceToken ?? null,
      ...(options.clients ? { clients: options.clients } : {}),
    },
    feed,
    ...(options.dpopNonces ? { dpopNonces: options.dpopNonces } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
  });
  // The first key exists before the first request, as startServer makes it before listening.
  app.addHook('onReady', async () => {
    await keyring.ensureActiveKey();
  });
  return { app, auth, store: backing, clock, calls, csrf, keyring, accessTokens, feed, outbox };
}

export type TestServer = ReturnType<typeof createTestServer>;

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased; flag attributes map to ''. */
  attributes: Map<string, string>;
}

export function parseSetCookie(header: string): SetCookie {
  const [pair, ...rest] = header.split(';').map((part) => part.trim());
  const equals = pair!.indexOf('=');
  const attributes = new Map<string, string>();
  for (const attribute of rest) {
    const at = attribute.indexOf('=');
    if (at === -1) attributes.set(attribute.toLowerCase(), '');
    else attributes.set(attribute.slice(0, at).toLowerCase(), attribute.slice(at + 1));
  }
  return { name: pair!.slice(0, equals), value: pair!.slice(equals + 1), attributes };
}

/** Every Set-Cookie of a response, parsed. */
export function setCookies(response: LightMyRequestResponse): SetCookie[] {
  const header = response.headers['set-cookie'];
  if (header === undefined) return [];
  return (Array.isArray(header) ? header : [header]).map(parseSetCookie);
}

/** The session Set-Cookie of a response, if any. */
export function sessionSetCookie(response: LightMyRequestResponse): SetCookie | undefined {
  return setCookies(response).find((cookie) => cookie.name === SESSION_COOKIE);
}

/** The refresh Set-Cookie of a response, if any. */
export function refreshSetCookie(response: LightMyRequestResponse): SetCookie | undefined {
  return setCookies(response).find((cookie) => cookie.name === REFRESH_COOKIE);
}

export function assertClearsRefreshCookie(response: LightMyRequestResponse): void {
  const cookie = refreshSetCookie(response);
  assert.ok(cookie, 'expected the refresh cookie to be cleared');
  assert.equal(cookie.value, '');
  assert.equal(cookie.attributes.get('max-age'), '0');
  assert.equal(cookie.attributes.get('path'), '/auth/refresh');
}

export function assertClearsSessionCookie(response: LightMyRequestResponse): void {
  const cookie = sessionSetCookie(response);
  assert.ok(cookie, 'expected the session cookie to be cleared');
  assert.equal(cookie.value, '');
  assert.equal(cookie.attributes.get('max-age'), '0');
}

export async function register(app: FastifyInstance, email: string, password = PASSWORD) {
  return app.inject({ method: 'POST', url: '/auth/register', payload: { email, password } });
}

export interface LoggedIn {
  /** `__Host-gh_session=<token>`, ready for a Cookie header. */
  cookie: string;
  token: string;
  csrfToken: string;
  sessionId: string;
  userId: string;
}

export async function login(
  app: FastifyInstance,
  email: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
): Promise<LoggedIn> {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/login',
    headers,
    payload: { email, password },
  });
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json();
  const cookie = sessionSetCookie(response);
  assert.ok(cookie);
  return {
    cookie: `${SESSION_COOKIE}=${cookie.value}`,
    token: cookie.value,
    csrfToken: body.csrfToken,
    sessionId: body.session.id,
    userId: body.user.id,
  };
}

export async function registerAndLogin(app: FastifyInstance, email: string): Promise<LoggedIn> {
  assert.equal((await register(app, email)).statusCode, 202);
  return login(app, email);
}

export async function getMe(app: FastifyInstance, cookie: string) {
  return app.inject({ method: 'GET', url: '/auth/me', headers: { cookie } });
}

/** A cookie-authenticated state change made the way a same-origin page would make it. */
export function sameOriginHeaders(session: LoggedIn): Record<string, string> {
  return {
    cookie: session.cookie,
    'x-csrf-token': session.csrfToken,
    origin: ORIGIN,
    'sec-fetch-site': 'same-origin',
  };
}

export function assertInvalidToken(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 401);
  assert.deepEqual(response.json(), { error: 'invalid_token' });
  assert.equal(response.headers['www-authenticate'], 'Bearer error="invalid_token"');
}

/** 401 for a request that carried no credentials: RFC 6750 §3.1's bare challenge, no error code. */
export function assertNoCredentials(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 401);
  assert.deepEqual(response.json(), { error: 'invalid_token' });
  assert.equal(response.headers['www-authenticate'], 'Bearer');
}

export function assertInvalidGrant(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json(), { error: 'invalid_grant' });
}

export function assertCsrfRefused(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 403);
  assert.deepEqual(response.json(), { error: 'csrf' });
}

export function bearer(accessToken: string): Record<string, string> {
  return { authorization: `Bearer ${accessToken}` };
}

/** The claims of an access token, read without verifying (tests only). */
export function claimsOf(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8'));
}

/** The header of an access token, read without verifying (tests only). */
export function headerOf(accessToken: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString('utf8'));
}

export interface TokenLogin {
  response: LightMyRequestResponse;
  accessToken: string;
  /** From the body (token) or the refresh cookie (hybrid). */
  refreshToken: string;
  /** hybrid only. */
  csrfToken: string | undefined;
  sessionId: string;
  userId: string;
}

/** Logs in with the hybrid or token strategy and picks the credentials out of the answer. */
export async function loginWithTokens(
  app: FastifyInstance,
  email: string,
  strategy: 'hybrid' | 'token',
  password = PASSWORD,
): Promise<TokenLogin> {
  const response = await app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { email, password, strategy },
  });
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json();
  const refreshToken = strategy === 'hybrid' ? refreshSetCookie(response)?.value : body.refreshToken;
  assert.ok(refreshToken);
  return {
    response,
    accessToken: body.accessToken,
    refreshToken,
    csrfToken: body.csrfToken,
    sessionId: claimsOf(body.accessToken).sid as string,
    userId: body.user.id,
  };
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
export function refreshWithCookie(
  app: FastifyInstance,
  refreshToken: string,
  csrfToken: string | undefined,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url: '/auth/refresh',
    headers: {
      cookie: `${REFRESH_COOKIE}=${refreshToken}`,
      origin: ORIGIN,
      'sec-fetch-site': 'same-origin',
      ...(csrfToken === undefined ? {} : { 'x-csrf-token': csrfToken }),
      ...headers,
    },
  });
}

/** `POST /auth/refresh` as a token-strategy client makes it. */
export function refreshWithBody(app: FastifyInstance, refreshToken: unknown) {
  return app.inject({ method: 'POST', url: '/auth/refresh', payload: { refreshToken } });
}
