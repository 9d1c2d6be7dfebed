/**
 * Property-based fuzzing of the running server with fast-check: random Bearer tokens, cookies,
 * headers, JSON bodies and URLs against every endpoint, each endpoint getting its own
 * RUNS_PER_ENDPOINT runs of each property (25 endpoints: 1,000 requests a property). Every run
 * asserts both halves of a refusal:
 * - no acceptance: the answer is a 4xx, or a 2xx only where anyone gets one (health, keys,
 *   discovery, the public revocation list, RFC 7009 revocation of an unknown token, the web UI's
 *   HTML shell) or what the signed-in attacker is entitled to (their own /auth/me, sessions, CSRF
 *   token); never a 5xx, never a stack trace;
 * - no state change: the store's users (every field, password hashes included), the live
 *   sessions of the victim, the token victim, the attacker and the admin, the signing keys and the
 *   token victim's refresh family are exactly as before, read from the store after every request.
 * The signed-in attacker never calls the logout endpoints (that would end its own session and
 * turn the rest of its runs anonymous), and its session is part of the state that must survive.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { hashRefreshToken } from '@gatehouse/core';
import fc from 'fast-check';
import {
  assertAlive,
  bearer,
  type CookieLogin,
  type HttpAnswer,
  newAdmin,
  newCookieUser,
  newTokenUser,
  ORIGIN,
  REFRESH_COOKIE,
  type SecurityServer,
  SESSION_COOKIE,
  startSecurityServer,
  type TokenLogin,
} from './support.ts';

/** Runs of each property per endpoint: every endpoint sees every kind of input many times over. */
const RUNS_PER_ENDPOINT = 40;

interface Endpoint {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
}

/** Endpoints that answer 2xx to anyone: a 2xx there accepts nothing (state is still checked). */
const PUBLIC_2XX = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /.well-known/jwks.json',
  'GET /.well-known/openid-configuration',
  'GET /revocations',
  // RFC 7009 §2.2: revoking an unknown or invalid token answers 200 and revokes nothing.
  'POST /oauth/revoke',
]);

/** What a signed-in user may read about themselves: a 2xx there for the attacker is its own data. */
const OWN_2XX = new Set(['GET /auth/me', 'GET /auth/sessions', 'GET /auth/csrf']);

const LOGOUT = new Set(['POST /auth/logout', 'POST /auth/logout-all']);

const keyOf = (route: { method: string; path: string }) => `${route.method} ${route.path}`;

/** Printable ASCII: what an HTTP client can put in a header value. */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength,
  });

const base64urlText = (maxLength: number) =>
  fc.string({
    unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')),
    maxLength,
  });

function assertNoServerError(answer: HttpAnswer, what: string): void {
  assert.ok(
    answer.status >= 200 && answer.status < 500,
    `${what}: ${answer.status} ${answer.body.slice(0, 200)}`,
  );
  assert.ok(!/\bat .+:\d+:\d+/.test(answer.body), `${what}: a stack trace in the body`);
}

/**
 * Refused, or a 2xx that accepts nothing: a public endpoint, one of `alsoAllowed`, or (for a GET
 * of a path outside the API) the web UI's HTML shell.
 */
function assertNotAccepted(
  answer: HttpAnswer,
  route: { method: string; path: string },
  what: string,
  alsoAllowed: ReadonlySet<string> = new Set(),
): void {
  assertNoServerError(answer, what);
  if (answer.status >= 300) return;
  const key = keyOf({ method: route.method, path: route.path.split('?')[0]! });
  if (PUBLIC_2XX.has(key) || alsoAllowed.has(key)) return;
  const html = String(answer.headers['content-type'] ?? '').startsWith('text/html');
  assert.ok(
    route.method === 'GET' && html,
    `${what}: accepted (${answer.status} ${answer.body.slice(0, 200)})`,
  );
}

describe('fuzzing the running server (fast-check)', () => {
  let target: SecurityServer;
  let victim: CookieLogin;
  let victimToken: TokenLogin;
  let attacker: TokenLogin;
  let admin: TokenLogin;
  let endpoints: Endpoint[];
  let stateBefore: string;

  /**
   * What no fuzzed request may change, read from the store: every user record, the live sessions
   * of the four accounts, the signing keys, and which session the token victim's refresh token
   * belongs to (null once its family is revoked or reused).
   */
  async function state(): Promise<string> {
    const store = target.server.store;
    const now = Date.now();
    const users = await store.users.list({ limit: 500, offset: 0 });
    const sessions: Record<string, string[]> = {};
    for (const login of [victim, victimToken, attacker, admin]) {
      sessions[login.email] = (await store.sessions.listForUser(login.userId, now))
        .map((session) => `${session.id}:${session.secretHash}`)
        .sort();
    }
    const keys = (await store.keys.list()).map(({ kid, status, retiredAt }) => ({ kid, status, retiredAt }));
    const family = await store.refreshTokens.sessionIdFor(hashRefreshToken(victimToken.refreshToken));
    return JSON.stringify({ users, sessions, keys, family });
  }

  async function assertStateUnchanged(what: string): Promise<void> {
    assert.equal(await state(), stateBefore, `${what}: changed the store`);
  }

  /** Runs `check` RUNS_PER_ENDPOINT times on each route, with fresh values of `input` each time. */
  async function forEachEndpoint<T>(
    routes: Endpoint[],
    input: fc.Arbitrary<T>,
    check: (route: Endpoint, value: T) => Promise<void>,
  ): Promise<void> {
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(input, (value) => check(route, value)),
        { numRuns: RUNS_PER_ENDPOINT },
      );
    }
  }

  before(async () => {
    target = await startSecurityServer();
    admin = await newAdmin(target);
    victim = await newCookieUser(target, 'victim');
    victimToken = await newTokenUser(target, 'token', 'victim');
    attacker = await newTokenUser(target, 'token', 'attacker');
    const kid = target.server.keyring.getSigningKey().kid;
    endpoints = [
      { method: 'POST', path: '/auth/login' },
      { method: 'POST', path: '/auth/refresh' },
      { method: 'POST', path: '/auth/logout' },
      { method: 'POST', path: '/auth/logout-all' },
      { method: 'POST', path: '/auth/password/change' },
      { method: 'POST', path: '/oauth/revoke' },
      { method: 'POST', path: '/oauth/introspect' },
      { method: 'GET', path: '/auth/me' },
      { method: 'GET', path: '/auth/sessions' },
      { method: 'GET', path: '/auth/csrf' },
      { method: 'DELETE', path: `/auth/sessions/${victim.sessionId}` },
      { method: 'GET', path: '/healthz' },
      { method: 'GET', path: '/readyz' },
      { method: 'GET', path: '/.well-known/jwks.json' },
      { method: 'GET', path: '/.well-known/openid-configuration' },
      { method: 'GET', path: '/revocations' },
      { method: 'GET', path: '/admin/users' },
      { method: 'GET', path: `/admin/users/${victim.userId}` },
      { method: 'POST', path: `/admin/users/${victim.userId}/suspend` },
      { method: 'POST', path: `/admin/users/${victim.userId}/roles` },
      { method: 'DELETE', path: `/admin/users/${victim.userId}` },
      { method: 'DELETE', path: `/admin/users/${victimToken.userId}/sessions` },
      { method: 'POST', path: '/admin/keys/rotate' },
      { method: 'POST', path: `/admin/keys/${kid}/revoke` },
      { method: 'GET', path: '/admin/audit' },
    ];
    stateBefore = await state();
  });
  after(() => target.close());

  afterEach(async () => {
    assert.equal((await target.send('GET', '/healthz')).status, 200, 'still serving');
    await assertAlive(target, { cookie: victim.cookie });
    await assertAlive(target, bearer(victimToken.accessToken));
    await assertAlive(target, bearer(attacker.accessToken));
    await assertStateUnchanged('the property as a whole');
  });

  it('accepts no random Bearer credential: junk, JWT-shaped, and mutations of a real token', async () => {
    const mutated = fc
      .tuple(fc.nat(), base64urlText(4))
      .map(([at, insert]) => {
        const token = attacker.accessToken;
        const index = at % token.length;
        return token.slice(0, index) + insert + token.slice(index + 1);
      })
      // A mutation that happens to rebuild the real token is not an attack.
      .filter((token) => token !== attacker.accessToken);
    const jwtShaped = fc
      .tuple(base64urlText(200), base64urlText(400), base64urlText(100))
      .map((parts) => parts.join('.'));
    const credential = fc.oneof(headerText(300), jwtShaped, mutated, base64urlText(9000));
    await forEachEndpoint(
      endpoints,
      fc.tuple(fc.constantFrom('Bearer ', 'bearer ', 'BEARER  ', 'Bearer'), credential),
      async (route, [scheme, token]) => {
        const what = `${keyOf(route)} Bearer ${token.slice(0, 80)}`;
        const answer = await target.send(route.method, route.path, {
          headers: { authorization: `${scheme}${token}` },
        });
        assertNotAccepted(answer, route, what);
        await assertStateUnchanged(what);
      },
    );
  });

  it('accepts no random cookie, including the session and refresh cookie names', async () => {
    const name = fc.oneof(
      fc.constantFrom(SESSION_COOKIE, REFRESH_COOKIE, 'gh_session', '__Host-gh_session ', '__proto__'),
      fc.string({
        unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_-'.split('')),
        minLength: 1,
        maxLength: 20,
      }),
    );
    const value = fc.oneof(
      headerText(200).map((text) => text.replace(/[;,]/g, '')),
      fc.tuple(base64urlText(22), base64urlText(43)).map(([id, secret]) => `${id}.${secret}`),
      // The victim's real session id with a forged secret.
      fc.constant(`${victim.sessionId}.${'A'.repeat(43)}`),
      base64urlText(43).map((secret) => `${victim.sessionId}.${secret}`),
    );
    const cookies = fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 5 });
    await forEachEndpoint(endpoints, fc.tuple(cookies, fc.boolean()), async (route, [pairs, sameOrigin]) => {
      const headers: Record<string, string> = { cookie: pairs.map(([n, v]) => `${n}=${v}`).join('; ') };
      if (sameOrigin)
        Object.assign(headers, {
          origin: ORIGIN,
          'sec-fetch-site': 'same-origin',
          'x-csrf-token': victim.csrfToken,
        });
      const what = `${keyOf(route)} cookie ${headers.cookie!.slice(0, 120)}`;
      const answer = await target.send(route.method, route.path, { headers });
      assertNotAccepted(answer, route, what);
      await assertStateUnchanged(what);
    });
  });

  it('accepts nothing on random headers, including the ones the server reads', async () => {
    const name = fc.oneof(
      fc.constantFrom(
        'authorization',
        'cookie',
        'origin',
        'sec-fetch-site',
        'x-csrf-token',
        'content-type',
        'accept',
        'accept-encoding',
        'x-forwarded-for',
        'x-forwarded-host',
        'x-forwarded-proto',
        'x-request-id',
        'x-http-method-override',
        'if-none-match',
        'range',
        'user-agent',
      ),
      fc.string({
        unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split('')),
        minLength: 1,
        maxLength: 30,
      }),
    );
    const headers = fc.array(fc.tuple(name, headerText(500)), { minLength: 1, maxLength: 8 });
    await forEachEndpoint(endpoints, headers, async (route, pairs) => {
      const what = `${keyOf(route)} ${JSON.stringify(pairs).slice(0, 200)}`;
      const answer = await target.send(route.method, route.path, { headers: pairs });
      assertNotAccepted(answer, route, what);
      await assertStateUnchanged(what);
    });
  });

  it('accepts no random JSON body, anonymous or from a signed-in attacker who stays signed in', async () => {
    const keys = fc.constantFrom(
      'email',
      'password',
      'strategy',
      'refreshToken',
      'token',
      'token_type_hint',
      'roles',
      'currentPassword',
      'newPassword',
      'constructor',
      'prototype',
      'id',
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom(victim.email, victim.userId, victim.sessionId, 'admin', ['admin'], 'hybrid', 'token'),
    );
    const body = fc.oneof(
      fc.dictionary(keys, value, { maxKeys: 6 }).map((object) => JSON.stringify(object)),
      fc.jsonValue({ maxDepth: 4 }).map((any) => JSON.stringify(any)),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    const send = async (route: Endpoint, payload: string, signedIn: boolean) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (signedIn) Object.assign(headers, bearer(attacker.accessToken));
      const what = `${signedIn ? 'attacker' : 'anonymous'} ${keyOf(route)} ${payload.slice(0, 120)}`;
      const answer = await target.send(route.method, route.path, { headers, body: payload });
      assertNotAccepted(answer, route, what, signedIn ? OWN_2XX : undefined);
      await assertStateUnchanged(what);
    };
    await forEachEndpoint(endpoints, body, (route, payload) => send(route, payload, false));
    // Logging out would end the attacker's own session (a state change it is entitled to) and
    // leave the rest of its runs anonymous: the signed-in runs skip the logout endpoints.
    const signedInRoutes = endpoints.filter((route) => !LOGOUT.has(keyOf(route)));
    await forEachEndpoint(signedInRoutes, body, (route, payload) => send(route, payload, true));
    await assertAlive(target, bearer(attacker.accessToken));
  });

  it('accepts nothing on random paths and query strings', async () => {
    const segment = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }).map((text) => encodeURIComponent(text)),
      fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2f',
        '%00',
        '%ff',
        '%E0%A4%A',
        'admin',
        'auth',
        'users',
        ':id',
        '*',
      ),
    );
    const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => `/${parts.join('/')}`);
    const query = fc
      .array(
        fc.tuple(
          fc.constantFrom('limit', 'offset', 'query', 'userId', 'type', 'from', 'to', 'since'),
          headerText(20),
        ),
        {
          maxLength: 4,
        },
      )
      .map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));
    const method = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS');
    const check = async (pathname: string, search: string, verb: string, asAdmin: boolean) => {
      // Admin reads with junk filters must still answer 4xx or 2xx, never 5xx (a 2xx is theirs to
      // get); admin writes are kept out (they would change state on purpose).
      const admins = asAdmin && verb === 'GET';
      const headers = admins ? bearer(admin.accessToken) : {};
      const what = `${admins ? 'admin' : 'anonymous'} ${verb} ${pathname}?${search}`;
      const answer = await target.send(verb, `${pathname}?${search}`, { headers });
      if (admins) assertNoServerError(answer, what);
      else assertNotAccepted(answer, { method: verb, path: pathname }, what);
      await assertStateUnchanged(what);
    };
    // Random paths, as many runs as all endpoints together get...
    await fc.assert(fc.asyncProperty(path, query, method, fc.boolean(), check), {
      numRuns: RUNS_PER_ENDPOINT * endpoints.length,
    });
    // ...and every real endpoint's path with random query strings and methods.
    await forEachEndpoint(
      endpoints,
      fc.tuple(query, method, fc.boolean()),
      (route, [search, verb, asAdmin]) => check(route.path, search, verb, asAdmin),
    );
  });

  it('leaves the victim’s refresh family usable after all of it', async () => {
    const answer = await target.send('POST', '/auth/refresh', {
      json: { refreshToken: victimToken.refreshToken },
    });
    assert.equal(answer.status, 200, answer.body);
    victimToken = { ...victimToken, accessToken: (answer.json() as { accessToken: string }).accessToken };
    // The rotation is a legitimate change: the state to compare against moves with it.
    stateBefore = await state();
  });
});
