/**
 * No secret reaches a log line: a real server (startServer, SQLite) logging at `trace` into a
 * buffer runs every flow (register, login with each strategy, refresh, me, sessions, password
 * change, logout, revoke, reuse), then every line is searched for every token, cookie value,
 * password, CSRF token, and every hash and cipher the store holds (read from the database itself).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import {
  loadConfig,
  REFRESH_COOKIE,
  type RunningServer,
  SESSION_COOKIE,
  startServer,
} from '@gatehouse/server';

const PASSWORD = 'first passphrase, long enough';
const NEW_PASSWORD = 'second passphrase, also long';
const WRONG_PASSWORD = 'a wrong passphrase entirely';
const EMAIL = 'logged@example.com';

/** Cookies of one client, as a browser would keep them (path-scoped values kept apart by name). */
class CookieJar {
  readonly values = new Map<string, string>();
  take(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair] = header.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at);
      const value = pair!.slice(at + 1);
      if (value === '') this.values.delete(name);
      else this.values.set(name, value);
    }
  }
  header(...names: string[]): string {
    return names
      .filter((name) => this.values.has(name))
      .map((name) => `${name}=${this.values.get(name)}`)
      .join('; ');
  }
}

describe('logs: no secret in any line, at trace level, over a full flow', { timeout: 60_000 }, () => {
  let dataDir: string;
  let server: RunningServer;
  let db: DatabaseSync;
  const lines: string[] = [];
  const secrets = new Map<string, string>();

  /** Remembers a secret under a label (the label, never the value, goes in failure messages). */
  function secret(label: string, value: unknown): void {
    assert.equal(typeof value, 'string', `${label} is a string`);
    assert.ok((value as string).length >= 16, `${label} is long enough to search for`);
    secrets.set(value as string, label);
  }

  /** Everything secret the store holds right now: hashes, ciphers, password hashes, key material. */
  function harvestStore(step: string): void {
    const read = (sql: string) => db.prepare(sql).all() as Record<string, string | null>[];
    for (const row of read('SELECT id, secret_hash FROM sessions'))
      secret(`${step}: session ${row.id} secretHash`, row.secret_hash);
    for (const row of read('SELECT hash, successor_cipher FROM refresh_tokens')) {
      secret(`${step}: refresh hash`, row.hash);
      if (row.successor_cipher) secret(`${step}: refresh successor cipher`, row.successor_cipher);
    }
    for (const row of read('SELECT password_hash FROM users')) {
      secret(`${step}: password hash`, row.password_hash);
      // The PHC string's salt and tag, on their own.
      const parts = row.password_hash!.split('$');
      secret(`${step}: password salt`, parts.at(-2));
      secret(`${step}: password tag`, parts.at(-1));
    }
    for (const row of read('SELECT private_key_cipher FROM signing_keys'))
      secret(`${step}: signing key cipher`, row.private_key_cipher);
  }

  async function call(
    method: string,
    path: string,
    options: { jar?: CookieJar; cookies?: string[]; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.jar && options.cookies) {
      const cookie = options.jar.header(...options.cookies);
      if (cookie) headers.cookie = cookie;
    }
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    options.jar?.take(response);
    return response;
  }

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-logs-'));
    const config = loadConfig({}, ['--data-dir', dataDir, '--port', '0', '--log-level', 'trace']);
    server = await startServer(config, {
      logger: { level: 'trace', stream: { write: (line) => lines.push(line) } },
      print: () => {},
    });
    db = new DatabaseSync(join(dataDir, 'gatehouse.db'), { readOnly: true });
  });

  after(async () => {
    db?.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs every flow, then finds none of the secrets in any log line', async () => {
    secret('password', PASSWORD);
    secret('new password', NEW_PASSWORD);
    secret('wrong password', WRONG_PASSWORD);
    const origin = { origin: 'http://localhost:3000' };

    assert.equal(
      (await call('POST', '/auth/register', { body: { email: EMAIL, password: PASSWORD } })).status,
      202,
    );
    harvestStore('registered');
    assert.equal(
      (await call('POST', '/auth/login', { body: { email: EMAIL, password: WRONG_PASSWORD } })).status,
      401,
    );

    // session strategy
    const browser = new CookieJar();
    const sessionLogin = await call('POST', '/auth/login', {
      jar: browser,
      body: { email: EMAIL, password: PASSWORD },
      headers: origin,
    });
    assert.equal(sessionLogin.status, 200);
    const sessionBody = await sessionLogin.json();
    const sessionCookie = browser.values.get(SESSION_COOKIE)!;
    secret('session cookie', sessionCookie);
    secret('session cookie secret half', sessionCookie.split('.')[1]);
    secret('session CSRF token', sessionBody.csrfToken);
    const sessionHeaders = (csrfToken: string) => ({ ...origin, 'x-csrf-token': csrfToken });
    assert.equal((await call('GET', '/auth/me', { jar: browser, cookies: [SESSION_COOKIE] })).status, 200);
    assert.equal(
      (await call('GET', '/auth/sessions', { jar: browser, cookies: [SESSION_COOKIE] })).status,
      200,
    );
    assert.equal((await call('GET', '/auth/csrf', { jar: browser, cookies: [SESSION_COOKIE] })).status, 200);

    // hybrid strategy
    const app = new CookieJar();
    const hybridLogin = await call('POST', '/auth/login', {
      jar: app,
      body: { email: EMAIL, password: PASSWORD, strategy: 'hybrid' },
      headers: origin,
    });
    assert.equal(hybridLogin.status, 200);
    const hybrid = await hybridLogin.json();
    secret('hybrid access token', hybrid.accessToken);
    secret('hybrid access token signature', hybrid.accessToken.split('.')[2]);
    secret('hybrid CSRF token', hybrid.csrfToken);
    secret('hybrid refresh cookie', app.values.get(REFRESH_COOKIE));
    const firstHybridRefresh = app.values.get(REFRESH_COOKIE)!;
    const hybridRefreshed = await call('POST', '/auth/refresh', {
      jar: app,
      cookies: [REFRESH_COOKIE],
      headers: sessionHeaders(hybrid.csrfToken),
    });
    assert.equal(hybridRefreshed.status, 200);
    secret('hybrid refreshed access token', (await hybridRefreshed.json()).accessToken);
    secret('hybrid second refresh cookie', app.values.get(REFRESH_COOKIE));
    harvestStore('hybrid refreshed');
    assert.equal(
      (await call('GET', '/auth/me', { headers: { authorization: `Bearer ${hybrid.accessToken}` } })).status,
      200,
    );

    // token strategy
    const tokenLogin = await call('POST', '/auth/login', {
      body: { email: EMAIL, password: PASSWORD, strategy: 'token' },
    });
    assert.equal(tokenLogin.status, 200);
    const token = await tokenLogin.json();
    secret('token access token', token.accessToken);
    secret('token refresh token', token.refreshToken);
    const tokenRefreshed = await call('POST', '/auth/refresh', {
      body: { refreshToken: token.refreshToken },
    });
    assert.equal(tokenRefreshed.status, 200);
    const refreshed = await tokenRefreshed.json();
    secret('token refreshed access token', refreshed.accessToken);
    secret('token second refresh token', refreshed.refreshToken);
    harvestStore('token refreshed');
    assert.equal(
      (await call('GET', '/auth/sessions', { headers: { authorization: `Bearer ${refreshed.accessToken}` } }))
        .status,
      200,
    );
    // A token in the query string (never a credential) and a malformed Bearer header.
    await call('GET', `/auth/me?access_token=${refreshed.accessToken}`);
    await call('GET', '/auth/me', { headers: { authorization: `Bearer ${refreshed.accessToken}x` } });

    // Password change from the cookie session: the other sessions die, this one is replaced.
    const changed = await call('POST', '/auth/password/change', {
      jar: browser,
      cookies: [SESSION_COOKIE],
      headers: sessionHeaders(sessionBody.csrfToken),
      body: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    assert.equal(changed.status, 204);
    secret('session cookie after password change', browser.values.get(SESSION_COOKIE));
    harvestStore('password changed');
    const csrfAfter = await call('GET', '/auth/csrf', { jar: browser, cookies: [SESSION_COOKIE] });
    const { csrfToken: newCsrf } = await csrfAfter.json();
    secret('CSRF token after password change', newCsrf);

    // Dead credentials replayed: the old refresh tokens (reuse), the old cookie, the old access token.
    assert.equal(
      (await call('POST', '/auth/refresh', { body: { refreshToken: token.refreshToken } })).status,
      400,
    );
    assert.equal(
      (
        await call('POST', '/auth/refresh', {
          headers: { ...sessionHeaders(hybrid.csrfToken), cookie: `${REFRESH_COOKIE}=${firstHybridRefresh}` },
        })
      ).status,
      400,
    );
    assert.equal(
      (await call('GET', '/auth/me', { headers: { cookie: `${SESSION_COOKIE}=${sessionCookie}` } })).status,
      401,
    );
    assert.equal(
      (await call('GET', '/auth/me', { headers: { authorization: `Bearer ${hybrid.accessToken}` } })).status,
      401,
    );
    await call('POST', '/oauth/revoke', { body: { token: refreshed.refreshToken } });
    await call('POST', '/oauth/revoke', {
      body: { token: refreshed.accessToken, token_type_hint: 'access_token' },
    });

    // A fresh token login with the new password, logged out by Bearer; the cookie session logs out too.
    const last = await (
      await call('POST', '/auth/login', { body: { email: EMAIL, password: NEW_PASSWORD, strategy: 'token' } })
    ).json();
    secret('last access token', last.accessToken);
    secret('last refresh token', last.refreshToken);
    harvestStore('last login');
    assert.equal(
      (await call('POST', '/auth/logout', { headers: { authorization: `Bearer ${last.accessToken}` } }))
        .status,
      204,
    );
    assert.equal(
      (
        await call('POST', '/auth/logout', {
          jar: browser,
          cookies: [SESSION_COOKIE],
          headers: sessionHeaders(newCsrf),
        })
      ).status,
      204,
    );
    await call('GET', '/metrics');

    // The server's own secrets (embedded mode) must not show up either.
    const stored = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8'));
    secret('CSRF secret', stored.csrfSecret);
    secret('key-encryption key', stored.keyEncryptionKey);

    // One line per request, plus the debug lines of refusals.
    assert.ok(lines.length > 30, `the flow was logged (${lines.length} lines)`);
    const parsed = lines.map((line) => JSON.parse(line));
    // Below info: the refusals' detail (code and reason) is logged at debug.
    assert.ok(
      parsed.some((line) => line.level === 20 && line.msg === 'request refused'),
      'debug lines are in the buffer',
    );
    // The search works: the login's request id (not a secret) is found where it should be.
    const loginRequestId = sessionLogin.headers.get('x-request-id');
    assert.ok(
      loginRequestId && lines.some((line) => line.includes(loginRequestId)),
      'request ids are logged',
    );
    assert.ok(parsed.every((line) => line.reqId === undefined || /^[A-Za-z0-9_-]{16}$/.test(line.reqId)));
    assert.ok(secrets.size > 30, `${secrets.size} secrets collected`);
    const leaks: string[] = [];
    for (const [index, line] of lines.entries()) {
      for (const [value, label] of secrets) {
        if (line.includes(value)) leaks.push(`line ${index} contains the ${label}`);
      }
    }
    assert.deepEqual(leaks, []);
  });
});
