import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import {
  createTestServer,
  getMe,
  type LoggedIn,
  login,
  ORIGIN,
  PASSWORD,
  register,
  registerAndLogin,
  sameOriginHeaders,
} from '../testing/index.ts';

type Method = 'POST' | 'DELETE';

/** The cookie-authenticated state changes of this stage. */
const stateChanges: { name: string; method: Method; url: (session: LoggedIn) => string }[] = [
  { name: 'POST /auth/logout', method: 'POST', url: () => '/auth/logout' },
  { name: 'POST /auth/logout-all', method: 'POST', url: () => '/auth/logout-all' },
  {
    name: 'DELETE /auth/sessions/:id',
    method: 'DELETE',
    url: (session) => `/auth/sessions/${session.sessionId}`,
  },
];

async function setup() {
  const server = createTestServer();
  const victim = await registerAndLogin(server.app, 'victim@example.com');
  const attacker = await registerAndLogin(server.app, 'attacker@example.com');
  return { ...server, victim, attacker };
}

async function send(
  app: FastifyInstance,
  method: Method,
  url: string,
  headers: Record<string, string>,
  extra: Partial<InjectOptions> = {},
) {
  return app.inject({ method, url, headers, ...extra });
}

function assertCsrfRefused(response: Awaited<ReturnType<FastifyInstance['inject']>>): void {
  assert.equal(response.statusCode, 403, response.body);
  assert.deepEqual(response.json(), { error: 'csrf' });
}

describe('CSRF on cookie-authenticated state changes', () => {
  for (const route of stateChanges) {
    describe(route.name, () => {
      const cases: {
        name: string;
        headers: (victim: LoggedIn, attacker: LoggedIn) => Record<string, string>;
      }[] = [
        {
          name: 'no x-csrf-token',
          headers: (victim) => {
            const { 'x-csrf-token': _, ...rest } = sameOriginHeaders(victim);
            return rest;
          },
        },
        {
          name: 'a wrong token',
          headers: (victim) => ({ ...sameOriginHeaders(victim), 'x-csrf-token': 'x'.repeat(43) }),
        },
        {
          name: 'an empty token',
          headers: (victim) => ({ ...sameOriginHeaders(victim), 'x-csrf-token': '' }),
        },
        {
          name: "another session's token",
          headers: (victim, attacker) => ({
            ...sameOriginHeaders(victim),
            'x-csrf-token': attacker.csrfToken,
          }),
        },
        {
          name: 'a foreign Origin',
          headers: (victim) => ({ ...sameOriginHeaders(victim), origin: 'https://evil.example' }),
        },
        {
          name: 'a look-alike Origin',
          headers: (victim) => ({ ...sameOriginHeaders(victim), origin: `${ORIGIN}.evil.example` }),
        },
        { name: 'Origin: null', headers: (victim) => ({ ...sameOriginHeaders(victim), origin: 'null' }) },
        {
          name: 'Sec-Fetch-Site: cross-site',
          headers: (victim) => ({ ...sameOriginHeaders(victim), 'sec-fetch-site': 'cross-site' }),
        },
        {
          name: 'Sec-Fetch-Site: same-site',
          headers: (victim) => ({ ...sameOriginHeaders(victim), 'sec-fetch-site': 'same-site' }),
        },
        {
          name: 'Sec-Fetch-Site: none',
          headers: (victim) => ({ ...sameOriginHeaders(victim), 'sec-fetch-site': 'none' }),
        },
      ];
      for (const bad of cases) {
        it(`refuses ${bad.name} with 403 csrf and changes nothing`, async () => {
          const { app, victim, attacker } = await setup();
          const response = await send(app, route.method, route.url(victim), bad.headers(victim, attacker));
          assertCsrfRefused(response);
          assert.equal((await getMe(app, victim.cookie)).statusCode, 200, 'the session survives');
        });
      }

      it('refuses a text/plain body: 403 without the token, 415 with it', async () => {
        const { app, victim } = await setup();
        const { 'x-csrf-token': _, ...withoutToken } = sameOriginHeaders(victim);
        const simple = await send(
          app,
          route.method,
          route.url(victim),
          { ...withoutToken, 'content-type': 'text/plain' },
          { payload: '{}' },
        );
        assertCsrfRefused(simple);
        const withToken = await send(
          app,
          route.method,
          route.url(victim),
          { ...sameOriginHeaders(victim), 'content-type': 'text/plain' },
          { payload: '{}' },
        );
        assert.equal(withToken.statusCode, 415);
        assert.deepEqual(withToken.json(), { error: 'unsupported_media_type' });
        assert.equal((await getMe(app, victim.cookie)).statusCode, 200, 'the session survives');
      });

      it('refuses a form body with 415 even with the token, and changes nothing', async () => {
        const { app, store, clock, victim } = await setup();
        const sessionsBefore = await store.sessions.listForUser(victim.userId, clock.now());
        const response = await send(
          app,
          route.method,
          route.url(victim),
          { ...sameOriginHeaders(victim), 'content-type': 'application/x-www-form-urlencoded' },
          { payload: 'a=b' },
        );
        assert.equal(response.statusCode, 415);
        assert.deepEqual(response.json(), { error: 'unsupported_media_type' });
        assert.equal((await getMe(app, victim.cookie)).statusCode, 200, 'the session survives');
        assert.deepEqual(
          await store.sessions.listForUser(victim.userId, clock.now()),
          sessionsBefore,
          'no session revoked',
        );
      });

      it('accepts the right token from the same origin', async () => {
        const { app, victim } = await setup();
        const response = await send(app, route.method, route.url(victim), sameOriginHeaders(victim));
        assert.equal(response.statusCode, 204);
        assert.equal((await getMe(app, victim.cookie)).statusCode, 401);
      });

      it('refuses the right token with no Origin, no Sec-Fetch-Site and no Referer (403 csrf)', async () => {
        const { app, victim } = await setup();
        const response = await send(app, route.method, route.url(victim), {
          cookie: victim.cookie,
          'x-csrf-token': victim.csrfToken,
        });
        assertCsrfRefused(response);
        assert.equal((await getMe(app, victim.cookie)).statusCode, 200, 'the session survives');
      });

      it('refuses the right token with only a foreign Referer (403 csrf)', async () => {
        const { app, victim } = await setup();
        for (const referer of ['https://evil.example/page', `${ORIGIN}.evil.example/`, 'not a url', 'null']) {
          const response = await send(app, route.method, route.url(victim), {
            cookie: victim.cookie,
            'x-csrf-token': victim.csrfToken,
            referer,
          });
          assertCsrfRefused(response);
        }
        assert.equal((await getMe(app, victim.cookie)).statusCode, 200, 'the session survives');
      });

      it('accepts the right token with only an Origin, or only Sec-Fetch-Site: same-origin', async () => {
        const onlyOne: Record<string, string>[] = [{ origin: ORIGIN }, { 'sec-fetch-site': 'same-origin' }];
        for (const only of onlyOne) {
          const { app, victim } = await setup();
          const response = await send(app, route.method, route.url(victim), {
            cookie: victim.cookie,
            'x-csrf-token': victim.csrfToken,
            ...only,
          });
          assert.equal(response.statusCode, 204, JSON.stringify(only));
        }
      });

      it('accepts the right token with only a same-origin Referer, and refuses it without the token', async () => {
        const { app, victim } = await setup();
        const refererOnly = { cookie: victim.cookie, referer: `${ORIGIN}/sessions?x=1` };
        assertCsrfRefused(await send(app, route.method, route.url(victim), refererOnly));
        assert.equal((await getMe(app, victim.cookie)).statusCode, 200, 'the session survives');
        const response = await send(app, route.method, route.url(victim), {
          ...refererOnly,
          'x-csrf-token': victim.csrfToken,
        });
        assert.equal(response.statusCode, 204);
      });

      it('accepts an empty JSON body with the token', async () => {
        const { app, victim } = await setup();
        const response = await send(
          app,
          route.method,
          route.url(victim),
          { ...sameOriginHeaders(victim), 'content-type': 'application/json; charset=utf-8' },
          { payload: '' },
        );
        assert.equal(response.statusCode, 204);
      });
    });
  }

  it('does not apply to safe methods: GET works cross-site (the response is not readable there)', async () => {
    const { app, victim } = await setup();
    const response = await app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { cookie: victim.cookie, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    });
    assert.equal(response.statusCode, 200);
  });
});

describe('login CSRF: login and register refuse cross-site callers', () => {
  const refused: Record<string, string>[] = [
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site' },
    { origin: 'https://evil.example' },
    { origin: 'null' },
  ];
  for (const headers of refused) {
    it(`refuses ${JSON.stringify(headers)} with 403 csrf`, async () => {
      const { app, calls } = createTestServer();
      await register(app, 'olga@example.com');
      const hashesBefore = calls.hash + calls.verify;
      const loginResponse = await app.inject({
        method: 'POST',
        url: '/auth/login',
        headers,
        payload: { email: 'olga@example.com', password: PASSWORD },
      });
      assertCsrfRefused(loginResponse);
      assert.equal(loginResponse.headers['set-cookie'], undefined);
      const registerResponse = await app.inject({
        method: 'POST',
        url: '/auth/register',
        headers,
        payload: { email: 'pete@example.com', password: PASSWORD },
      });
      assertCsrfRefused(registerResponse);
      assert.equal(calls.hash + calls.verify, hashesBefore, 'refused before any password work');
    });
  }

  it('accepts login and register from the allowed origin', async () => {
    const { app } = createTestServer();
    const headers = { origin: ORIGIN, 'sec-fetch-site': 'same-origin' };
    const registered = await app.inject({
      method: 'POST',
      url: '/auth/register',
      headers,
      payload: { email: 'quinn@example.com', password: PASSWORD },
    });
    assert.equal(registered.statusCode, 202);
    const session = await login(app, 'quinn@example.com', PASSWORD, headers);
    assert.equal((await getMe(app, session.cookie)).statusCode, 200);
  });

  it('refuses a form-encoded login (a cross-site form cannot send JSON), creating no session', async () => {
    const { app, store, clock } = createTestServer();
    await register(app, 'rita@example.com');
    const response = await app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `email=rita%40example.com&password=${encodeURIComponent(PASSWORD)}`,
    });
    assert.equal(response.statusCode, 415);
    assert.deepEqual(response.json(), { error: 'unsupported_media_type' });
    assert.equal(response.headers['set-cookie'], undefined, 'no cookie set');
    const rita = await store.users.getByEmail('rita@example.com');
    assert.deepEqual(await store.sessions.listForUser(rita!.id, clock.now()), [], 'no session created');
  });
});
