/**
 * The black-box harness of the security suite: a real Gatehouse (startServer, embedded SQLite in a
 * temp dir, port 0, no logger) and a client over real sockets that can send what browsers and
 * fetch refuse to (duplicate headers, any Host, raw bytes). Not a test file itself.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadConfig,
  REFRESH_COOKIE,
  type RunningServer,
  runCli,
  SESSION_COOKIE,
  startServer,
} from '@gatehouse/server';
import {
  bearer,
  claimsOf,
  cookieValue,
  createTestClient,
  headerOf,
  type SessionLogin,
  sameOriginHeaders,
  TEST_ORIGIN,
  TEST_PASSWORD,
  type TestClient,
  type ClientTokenLogin as TokenLogin,
} from '@gatehouse/server/testing';

export const PASSWORD = TEST_PASSWORD;
/** The default issuer's origin: the one allowed origin of the servers started here. */
export const ORIGIN = TEST_ORIGIN;
export { bearer, claimsOf, headerOf, REFRESH_COOKIE, SESSION_COOKIE };

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The raw response head, for headers that must be absent or appear once. */
  rawHeaders: string[];
  body: string;
  json(): Record<string, unknown>;
}

export interface SendOptions {
  /** An object, or `[name, value]` pairs when a header must repeat. */
  headers?: Record<string, string> | [string, string][];
  /** A value is sent as JSON with `content-type: application/json`; a string or Buffer as it is. */
  json?: unknown;
  body?: string | Buffer;
}

export interface SecurityServer {
  url: string;
  port: number;
  server: RunningServer;
  dataDir: string;
  send(method: string, path: string, options?: SendOptions): Promise<HttpAnswer>;
  /** The test client over `send`: register, login per strategy, credential headers. */
  client: TestClient<HttpAnswer>;
  close(): Promise<void>;
}

function toAnswer(
  status: number,
  headers: IncomingHttpHeaders,
  rawHeaders: string[],
  body: string,
): HttpAnswer {
  return {
    status,
    headers,
    rawHeaders,
    body,
    json() {
      return JSON.parse(body);
    },
  };
}

/** One request over node:http: any method, any header (including Host), repeated headers. */
function send(port: number, method: string, path: string, options: SendOptions = {}): Promise<HttpAnswer> {
  let headerPairs: [string, string][] = Array.isArray(options.headers)
    ? [...options.headers]
    : Object.entries(options.headers ?? {});
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!has(headerPairs, 'content-type'))
      headerPairs = [...headerPairs, ['content-type', 'application/json']];
  }
  // Node adds neither Host nor a framing header when headers come as a list: they are added here.
  if (!has(headerPairs, 'host')) headerPairs = [['host', `127.0.0.1:${port}`], ...headerPairs];
  if (!has(headerPairs, 'content-length') && !has(headerPairs, 'transfer-encoding'))
    headerPairs = [
      ...headerPairs,
      ['content-length', String(body === undefined ? 0 : Buffer.byteLength(body))],
    ];
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: headerPairs.flat() },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve(
            toAnswer(
              response.statusCode ?? 0,
              response.headers,
              response.rawHeaders,
              Buffer.concat(chunks).toString('utf8'),
            ),
          ),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    if (body !== undefined) request.end(body);
    else request.end();
  });
}

function has(pairs: [string, string][], name: string): boolean {
  return pairs.some(([each]) => each.toLowerCase() === name);
}

/**
 * Writes `raw` (a whole request, CRLFs and all) to a socket and returns the first response's status
 * line and text. For requests no HTTP client will produce.
 */
export function sendRaw(port: number, raw: string | Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match) resolve({ status: Number(match[1]), text: received });
      else reject(new Error(`no status line in ${JSON.stringify(received.slice(0, 80))}`));
    };
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.write(raw);
  });
}

/**
 * Starts a real server on the embedded SQLite store in a fresh temp dir. `argv` adds settings flags
 * (e.g. `--refresh-grace-seconds 0`).
 */
export async function startSecurityServer(argv: string[] = []): Promise<SecurityServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-security-'));
  const config = loadConfig({}, ['--data-dir', dataDir, '--port', '0', '--log-level', 'silent', ...argv]);
  const server = await startServer(config, { logger: false, print: () => {} });
  const port = Number(new URL(server.url).port);
  return {
    url: server.url,
    port,
    server,
    dataDir,
    send: (method, path, options) => send(port, method, path, options),
    client: createTestClient(async (request) => {
      const json = request.json === undefined ? {} : { json: request.json };
      const answer = await send(port, request.method, request.path, {
        headers: request.headers ?? {},
        ...json,
      });
      const { status, body } = answer;
      return { status, setCookies: answer.headers['set-cookie'] ?? [], body, raw: answer };
    }),
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A fresh address per call, so tests sharing a server never share an account. */
export function uniqueEmail(label = 'user'): string {
  counter++;
  return `${label}-${counter}-${process.pid}@example.com`;
}

/** A session-strategy login: the token (`id.secret`), the cookie (`__Host-gh_session=<token>`), the CSRF token. */
export type CookieLogin = SessionLogin;
export type { TokenLogin };

/** The value of the named cookie in a response's Set-Cookie headers, or undefined. */
export function setCookieValue(answer: HttpAnswer, name: string): string | undefined {
  return cookieValue(answer.headers['set-cookie'] ?? [], name);
}

export async function register(target: SecurityServer, email: string, password = PASSWORD): Promise<void> {
  const answer = await target.client.register(email, password);
  assert.equal(answer.status, 202, answer.body);
}

export async function loginWithCookie(target: SecurityServer, email: string, password = PASSWORD) {
  return (await target.client.login(email, 'session', { password })).login;
}

export async function loginWithTokens(
  target: SecurityServer,
  email: string,
  strategy: 'hybrid' | 'token',
  password = PASSWORD,
): Promise<TokenLogin> {
  return (await target.client.login(email, strategy, { password })).login;
}

/** A new account, signed in with a session cookie. */
export async function newCookieUser(target: SecurityServer, label = 'user'): Promise<CookieLogin> {
  const email = uniqueEmail(label);
  await register(target, email);
  return loginWithCookie(target, email);
}

/** A new account, signed in with the token or hybrid strategy. */
export async function newTokenUser(
  target: SecurityServer,
  strategy: 'hybrid' | 'token' = 'token',
  label = 'user',
): Promise<TokenLogin> {
  const email = uniqueEmail(label);
  await register(target, email);
  return loginWithTokens(target, email, strategy);
}

/** A new admin made the documented way (`gatehouse admin create`), signed in with the token strategy. */
export async function newAdmin(target: SecurityServer): Promise<TokenLogin> {
  const email = uniqueEmail('admin');
  const err: string[] = [];
  const code = await runCli(['admin', 'create', '--email', email, '--data-dir', target.dataDir], {
    env: { GATEHOUSE_ADMIN_PASSWORD: PASSWORD },
    readStdin: async () => '',
    out: () => {},
    err: (line) => err.push(line),
  });
  assert.equal(code, 0, err.join('\n'));
  return loginWithTokens(target, email, 'token');
}

/** Headers of a cookie-authenticated state change made by a same-origin page. */
export function sameOrigin(login: CookieLogin): Record<string, string> {
  return sameOriginHeaders(login);
}

/** Exactly `{error}` with that status. */
export function assertError(answer: HttpAnswer, status: number, error: string): void {
  assert.equal(answer.status, status, answer.body);
  assert.equal(answer.body, JSON.stringify({ error }));
  assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8');
}

/** 401 invalid_token with the RFC 6750 challenge. */
export function assertInvalidToken(answer: HttpAnswer): void {
  assertError(answer, 401, 'invalid_token');
  assert.equal(answer.headers['www-authenticate'], 'Bearer error="invalid_token"');
}

/** 401 for a request without credentials (or only of a scheme not taken): RFC 6750 §3.1's bare challenge. */
export function assertNoCredentials(answer: HttpAnswer): void {
  assertError(answer, 401, 'invalid_token');
  assert.equal(answer.headers['www-authenticate'], 'Bearer');
}

/** GET /auth/me as the given credential headers; 200 means the credential works. */
export async function me(target: SecurityServer, headers: Record<string, string>): Promise<HttpAnswer> {
  return (await target.client.me(headers)).raw;
}

export async function assertAlive(target: SecurityServer, headers: Record<string, string>): Promise<void> {
  const answer = await me(target, headers);
  assert.equal(answer.status, 200, answer.body);
}
