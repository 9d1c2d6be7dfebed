/**
 * Property-based fuzzing of the running server with fast-check: random Bearer tokens, cookies,
 * headers, JSON bodies and URLs against every endpoint. Each answer must be a 2xx-4xx (malformed
 * input never yields a 5xx, DESIGN §7); after each property the server still answers /healthz,
 * the victim's credentials still work, no account was created or promoted, and the victim's
 * account is unchanged. Runs are bounded (about 200 per property) to keep the file well under a
 * minute.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
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

const RUNS = 200;

interface Endpoint {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
}

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

describe('fuzzing the running server (fast-check)', () => {
  let target: SecurityServer;
  let victim: CookieLogin;
  let victimToken: TokenLogin;
  let attacker: TokenLogin;
  let admin: TokenLogin;
  let endpoints: Endpoint[];
  let accountsBefore: string;

  /** Every account as the admin API shows it: ids, emails, roles, status. */
  async function accounts(): Promise<string> {
    const answer = await target.send('GET', '/admin/users?limit=500', { headers: bearer(admin.accessToken) });
    assert.equal(answer.status, 200, answer.body);
    const users = (
      answer.json() as { users: { id: string; email: string; roles: string[]; status: string }[] }
    ).users;
    return JSON.stringify(users.map(({ id, email, roles, status }) => ({ id, email, roles, status })));
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
    accountsBefore = await accounts();
  });
  after(() => target.close());

  afterEach(async () => {
    assert.equal((await target.send('GET', '/healthz')).status, 200, 'still serving');
    await assertAlive(target, { cookie: victim.cookie });
    await assertAlive(target, bearer(victimToken.accessToken));
    assert.equal(await accounts(), accountsBefore, 'no account created, changed, promoted or removed');
  });

  const endpoint = () => fc.constantFrom(...endpoints);

  it('survives random Bearer credentials: junk, JWT-shaped, and mutations of a real token', async () => {
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
    await fc.assert(
      fc.asyncProperty(
        endpoint(),
        fc.constantFrom('Bearer ', 'bearer ', 'BEARER  ', 'Bearer'),
        credential,
        async (route, scheme, token) => {
          const answer = await target.send(route.method, route.path, {
            headers: { authorization: `${scheme}${token}` },
          });
          assertNoServerError(answer, `${route.method} ${route.path}`);
          if (route.path !== '/healthz' && answer.status === 200 && !route.path.startsWith('/.well-known')) {
            assert.ok(
              ['/readyz', '/revocations', '/auth/refresh'].includes(route.path),
              `${route.method} ${route.path} accepted a fuzzed credential`,
            );
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('survives random cookies, including the session and refresh cookie names', async () => {
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
      fc.constant(`${victim.sessionId}.${'A'.repeat(43)}`),
    );
    const cookies = fc.array(fc.tuple(name, value), { minLength: 1, maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(endpoint(), cookies, fc.boolean(), async (route, pairs, sameOrigin) => {
        const headers: Record<string, string> = { cookie: pairs.map(([n, v]) => `${n}=${v}`).join('; ') };
        if (sameOrigin)
          Object.assign(headers, {
            origin: ORIGIN,
            'sec-fetch-site': 'same-origin',
            'x-csrf-token': victim.csrfToken,
          });
        const answer = await target.send(route.method, route.path, { headers });
        assertNoServerError(answer, `${route.method} ${route.path}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('survives random headers, including the ones the server reads', async () => {
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
    await fc.assert(
      fc.asyncProperty(endpoint(), headers, async (route, pairs) => {
        const answer = await target.send(route.method, route.path, { headers: pairs });
        assertNoServerError(answer, `${route.method} ${route.path} ${JSON.stringify(pairs).slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('survives random JSON bodies, anonymous and as a signed-in attacker', async () => {
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
    await fc.assert(
      fc.asyncProperty(endpoint(), body, fc.boolean(), async (route, payload, signedIn) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (signedIn) Object.assign(headers, bearer(attacker.accessToken));
        const answer = await target.send(route.method, route.path, { headers, body: payload });
        assertNoServerError(answer, `${route.method} ${route.path} ${payload.slice(0, 120)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('survives random paths and query strings', async () => {
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
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          path,
          endpoint().map((route) => route.path),
        ),
        query,
        fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
        fc.boolean(),
        async (pathname, search, method, asAdmin) => {
          // Admin reads with junk filters must still answer 4xx or 2xx, never 5xx; admin writes are
          // kept out (they would change state on purpose).
          const headers = asAdmin && method === 'GET' ? bearer(admin.accessToken) : {};
          const answer = await target.send(method, `${pathname}?${search}`, { headers });
          assertNoServerError(answer, `${method} ${pathname}?${search}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('leaves the victim’s refresh family usable after all of it', async () => {
    const answer = await target.send('POST', '/auth/refresh', {
      json: { refreshToken: victimToken.refreshToken },
    });
    assert.equal(answer.status, 200, answer.body);
    victimToken = { ...victimToken, accessToken: (answer.json() as { accessToken: string }).accessToken };
  });
});
