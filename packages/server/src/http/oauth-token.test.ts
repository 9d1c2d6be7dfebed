import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  assertInvalidToken,
  bearer,
  claimsOf,
  createTestServer,
  loginWithTokens,
  ORIGIN,
  register,
  registerAndLoginWithTokens,
  refreshWithCookie,
} from '../testing/index.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const SERVICE_TOKEN = 's'.repeat(40);

function tokenRequest(
  app: FastifyInstance,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { ...FORM, ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

async function me(app: FastifyInstance, accessToken: string) {
  return app.inject({ method: 'GET', url: '/auth/me', headers: bearer(accessToken) });
}

describe('POST /oauth/token (RFC 6749 §6 refresh grant)', () => {
  it('rotates a token-strategy refresh token and answers RFC 6749 §5.1 with no-store', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'grant@example.com', 'token');
    const response = await tokenRequest(app, {
      grant_type: 'refresh_token',
      refresh_token: login.refreshToken,
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers.pragma, 'no-cache');
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 600);
    assert.notEqual(body.refresh_token, login.refreshToken);
    assert.equal(claimsOf(body.access_token).client_id, 'gatehouse');
    assert.equal((await me(app, body.access_token)).statusCode, 200);
    // The successor works; the same grant again with client_id named explicitly.
    const next = await tokenRequest(app, {
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token,
      client_id: 'gatehouse',
    });
    assert.equal(next.statusCode, 200, next.body);
  });

  it('answers each RFC 6749 §5.2 error, and spends nothing', async () => {
    const { app } = createTestServer();
    const login = await registerAndLoginWithTokens(app, 'errors@example.com', 'token');
    const cases: [Record<string, string>, Record<string, string>, number, string][] = [
      [{ refresh_token: login.refreshToken }, {}, 400, 'invalid_request'],
      [{ grant_type: '', refresh_token: login.refreshToken }, {}, 400, 'invalid_request'],
      [{ grant_type: 'password', username: 'a', password: 'b' }, {}, 400, 'unsupported_grant_type'],
      [{ grant_type: 'authorization_code', code: 'x' }, {}, 400, 'unsupported_grant_type'],
      [{ grant_type: 'refresh_token' }, {}, 400, 'invalid_request'],
      [{ grant_type: 'refresh_token', refresh_token: 'A'.repeat(43) }, {}, 400, 'invalid_grant'],
      [{ grant_type: 'refresh_token', refresh_token: `${login.refreshToken}x` }, {}, 400, 'invalid_grant'],
      [
        { grant_type: 'refresh_token', refresh_token: login.refreshToken, client_id: 'nobody' },
        {},
        401,
        'invalid_client',
      ],
      [
        { grant_type: 'refresh_token', refresh_token: login.refreshToken, client_secret: 'x' },
        {},
        401,
        'invalid_client',
      ],
      [
        { grant_type: 'refresh_token', refresh_token: login.refreshToken },
        { authorization: 'Basic Z2F0ZWhvdXNlOng=' },
        401,
        'invalid_client',
      ],
    ];
    for (const [fields, headers, status, error] of cases) {
      const response = await tokenRequest(app, fields, headers);
      assert.equal(response.statusCode, status, JSON.stringify(fields));
      assert.deepEqual(response.json(), { error }, JSON.stringify(fields));
      assert.equal(response.headers['cache-control'], 'no-store');
    }
    const repeated = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: FORM,
      payload: `grant_type=refresh_token&refresh_token=${login.refreshToken}&refresh_token=${login.refreshToken}`,
    });
    assert.deepEqual([repeated.statusCode, repeated.json()], [400, { error: 'invalid_request' }]);
    const json = await app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'refresh_token', refresh_token: login.refreshToken },
    });
    assert.deepEqual([json.statusCode, json.json()], [400, { error: 'invalid_request' }]);
    // None of the refusals spent the token.
    const after = await tokenRequest(app, { grant_type: 'refresh_token', refresh_token: login.refreshToken });
    assert.equal(after.statusCode, 200, after.body);
  });

  it('refuses a hybrid refresh token (400 invalid_grant) and never reads the refresh cookie', async () => {
    const { app } = createTestServer();
    const hybrid = await registerAndLoginWithTokens(app, 'cookie@example.com', 'hybrid');
    const cookie = `__Secure-gh_refresh=${hybrid.refreshToken}`;
    // A cross-site form can reach this endpoint with the browser's cookie: nothing happens.
    const ambient = await tokenRequest(
      app,
      { grant_type: 'refresh_token' },
      { cookie, origin: 'https://evil.example' },
    );
    assert.deepEqual([ambient.statusCode, ambient.json()], [400, { error: 'invalid_request' }]);
    const inBody = await tokenRequest(
      app,
      { grant_type: 'refresh_token', refresh_token: hybrid.refreshToken },
      { cookie },
    );
    assert.deepEqual([inBody.statusCode, inBody.json()], [400, { error: 'invalid_grant' }]);
    // The hybrid token was not spent: the page's own refresh (cookie + CSRF token) still works.
    const own = await refreshWithCookie(app, hybrid.refreshToken, hybrid.csrfToken!);
    assert.equal(own.statusCode, 200, own.body);
  });

  it('keeps the hybrid refresh CSRF defences: a form body to /auth/refresh is 415 and spends nothing', async () => {
    const { app } = createTestServer();
    const hybrid = await registerAndLoginWithTokens(app, 'csrf-form@example.com', 'hybrid');
    const cookie = `__Secure-gh_refresh=${hybrid.refreshToken}`;
    for (const [type, payload] of [
      ['application/x-www-form-urlencoded', `grant_type=refresh_token&refresh_token=${hybrid.refreshToken}`],
      ['application/x-www-form-urlencoded', 'grant_type=refresh_token'],
      ['text/plain', '{"refreshToken":"x"}'],
      ['multipart/form-data; boundary=x', '--x--'],
    ] as const) {
      const response = await app.inject({
        method: 'POST',
        url: '/auth/refresh',
        headers: {
          'content-type': type,
          cookie,
          origin: 'https://evil.example',
          'sec-fetch-site': 'cross-site',
        },
        payload,
      });
      assert.equal(response.statusCode, 415, type);
      assert.equal(response.headers['set-cookie'], undefined, 'the cookie is neither replaced nor cleared');
    }
    const own = await refreshWithCookie(app, hybrid.refreshToken, hybrid.csrfToken!);
    assert.equal(own.statusCode, 200, own.body);
  });
});

describe('registered clients', () => {
  const clients = [
    { id: 'cli', name: 'Command line', strategies: ['token' as const], requireDpop: false },
    { id: 'other', name: 'Other', strategies: ['token' as const, 'hybrid' as const], requireDpop: false },
  ];

  it('puts the client_id in access tokens and binds the refresh token to its client', async () => {
    const { app } = createTestServer({ clients });
    await register(app, 'client@example.com');
    const login = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: {
        email: 'client@example.com',
        password: 'a long enough passphrase',
        strategy: 'token',
        client_id: 'cli',
      },
    });
    assert.equal(login.statusCode, 200, login.body);
    const { accessToken, refreshToken } = login.json();
    assert.equal(claimsOf(accessToken).client_id, 'cli');
    assert.match(refreshToken, /^[A-Za-z0-9_-]{43}\.cli$/);
    // Another client cannot use it (RFC 6749 §6), and the attempt spends nothing.
    for (const clientId of ['other', 'gatehouse']) {
      const stolen = await tokenRequest(app, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
      });
      assert.deepEqual([stolen.statusCode, stolen.json()], [400, { error: 'invalid_grant' }], clientId);
    }
    // Editing the client part makes it another (unknown) token.
    const edited = await tokenRequest(app, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken.replace(/cli$/, 'other'),
    });
    assert.deepEqual([edited.statusCode, edited.json()], [400, { error: 'invalid_grant' }]);
    const own = await tokenRequest(app, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: 'cli',
    });
    assert.equal(own.statusCode, 200, own.body);
    assert.equal(claimsOf(own.json().access_token).client_id, 'cli');
    assert.match(own.json().refresh_token, /\.cli$/);
  });

  it('refuses an unknown client_id (401 invalid_client) and a strategy the client may not use (400 unauthorized_client), creating no session', async () => {
    const server = createTestServer({ clients });
    await register(server.app, 'nope@example.com');
    const user = await server.store.users.getByEmail('nope@example.com');
    for (const [clientId, strategy, status, error] of [
      ['nobody', 'token', 401, 'invalid_client'],
      [42, 'token', 401, 'invalid_client'],
      ['cli', 'hybrid', 400, 'unauthorized_client'],
      ['cli', 'session', 400, 'unauthorized_client'],
    ] as const) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { origin: ORIGIN },
        payload: {
          email: 'nope@example.com',
          password: 'a long enough passphrase',
          strategy,
          client_id: clientId,
        },
      });
      assert.deepEqual([response.statusCode, response.json()], [status, { error }], String(clientId));
    }
    assert.deepEqual(await server.store.sessions.listForUser(user!.id, server.clock.now()), []);
    assert.equal(server.calls.verify, 0, 'refused before any password check');
  });

  it('the default client serves requests that name none, for every strategy', async () => {
    const { app } = createTestServer({ clients });
    const hybrid = await registerAndLoginWithTokens(app, 'default@example.com', 'hybrid');
    assert.equal(claimsOf(hybrid.accessToken).client_id, 'gatehouse');
    assert.match(hybrid.refreshToken, /^[A-Za-z0-9_-]{43}$/, 'the default client keeps the plain form');
    const token = await loginWithTokens(app, 'default@example.com', 'token');
    assert.equal(claimsOf(token.accessToken).client_id, 'gatehouse');
  });
});

describe('POST /oauth/introspect (RFC 7662)', () => {
  function introspect(app: FastifyInstance, body: string, headers: Record<string, string>) {
    return app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...FORM, ...headers },
      payload: body,
    });
  }
  const basic = (id: string, secret: string) => ({
    authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`,
  });

  it('takes a form body with client_secret_basic (client_id service) or the Bearer service token', async () => {
    const { app } = createTestServer({ serviceToken: SERVICE_TOKEN });
    const login = await registerAndLoginWithTokens(app, 'intro@example.com', 'token');
    for (const headers of [basic('service', SERVICE_TOKEN), bearer(SERVICE_TOKEN)]) {
      const response = await introspect(
        app,
        new URLSearchParams({ token: login.accessToken }).toString(),
        headers,
      );
      assert.equal(response.statusCode, 200, response.body);
      const answer = response.json();
      assert.equal(answer.active, true);
      assert.equal(answer.client_id, 'gatehouse');
      assert.equal(answer.sub, login.userId);
    }
  });

  it('refuses wrong client credentials (401 invalid_client + Basic challenge) and no credentials (bare Bearer challenge)', async () => {
    const { app } = createTestServer({ serviceToken: SERVICE_TOKEN });
    const login = await registerAndLoginWithTokens(app, 'intro-bad@example.com', 'token');
    const body = new URLSearchParams({ token: login.accessToken }).toString();
    for (const headers of [
      basic('service', `${SERVICE_TOKEN}x`),
      basic('gatehouse', SERVICE_TOKEN),
      { authorization: 'Basic !!!' },
    ]) {
      const response = await introspect(app, body, headers);
      assert.deepEqual([response.statusCode, response.json()], [401, { error: 'invalid_client' }]);
      assert.equal(response.headers['www-authenticate'], 'Basic realm="gatehouse"');
    }
    const none = await introspect(app, body, {});
    assert.deepEqual([none.statusCode, none.json()], [401, { error: 'invalid_token' }]);
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    assertInvalidToken(await introspect(app, body, bearer(`${SERVICE_TOKEN}x`)));
  });

  it('metadata names introspection and its auth method only when a service token is configured', async () => {
    for (const serviceToken of [SERVICE_TOKEN, undefined]) {
      const { app } = createTestServer(serviceToken ? { serviceToken } : {});
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
        const metadata = (await app.inject({ method: 'GET', url: path })).json();
        assert.equal(metadata.token_endpoint, 'http://localhost:3000/oauth/token');
        assert.deepEqual(metadata.response_types_supported, []);
        if (serviceToken) {
          assert.equal(metadata.introspection_endpoint, 'http://localhost:3000/oauth/introspect');
          assert.deepEqual(metadata.introspection_endpoint_auth_methods_supported, ['client_secret_basic']);
        } else {
          assert.equal(metadata.introspection_endpoint, undefined);
          assert.equal(metadata.introspection_endpoint_auth_methods_supported, undefined);
        }
        assert.equal(
          'id_token_signing_alg_values_supported' in metadata,
          path.endsWith('openid-configuration'),
          'RFC 8414 document lists nothing about ID tokens',
        );
      }
    }
  });
});

describe('listing clients', () => {
  it('GET /admin/clients lists the configured clients and the default one, for admins only', async () => {
    const server = createTestServer({
      clients: [{ id: 'cli', name: 'Command line', strategies: ['token'], requireDpop: true }],
    });
    const anonymous = await server.app.inject({ method: 'GET', url: '/admin/clients' });
    assert.equal(anonymous.statusCode, 401);
    const user = await registerAndLoginWithTokens(server.app, 'lister@example.com', 'token');
    await server.store.users.update(user.userId, { roles: ['admin'] });
    const answer = await server.app.inject({
      method: 'GET',
      url: '/admin/clients',
      headers: bearer(user.accessToken),
    });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.deepEqual(answer.json(), {
      clients: [
        {
          id: 'gatehouse',
          name: 'Gatehouse',
          strategies: ['session', 'hybrid', 'token'],
          requireDpop: false,
        },
        { id: 'cli', name: 'Command line', strategies: ['token'], requireDpop: true },
      ],
    });
  });
});
