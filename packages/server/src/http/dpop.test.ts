import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createDpopNonces } from '@gatehouse/core';
import {
  createManualClock,
  createTestDpopKey,
  encodeTestJws,
  makeTestDpopProof,
  type TestDpopKey,
} from '@gatehouse/core/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { exportJWK } from 'jose';
import {
  bearer,
  claimsOf,
  createTestServer,
  ISSUER,
  injectClient,
  PASSWORD,
  register,
  type TestServer,
} from '../testing/index.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const ALGS = 'ES256 ES384 EdDSA RS256 PS256';

interface BoundLogin {
  accessToken: string;
  refreshToken: string;
  key: TestDpopKey;
  sessionId: string;
}

function nowSeconds(server: TestServer): number {
  return Math.floor(server.clock.now() / 1000);
}

function proofFor(
  server: TestServer,
  key: TestDpopKey,
  htm: string,
  path: string,
  extra: Partial<Parameters<typeof makeTestDpopProof>[1]> = {},
) {
  return makeTestDpopProof(key, { htm, htu: `${ISSUER}${path}`, iat: nowSeconds(server), ...extra });
}

async function loginWithProof(server: TestServer, email: string, key?: TestDpopKey): Promise<BoundLogin> {
  const dpopKey = key ?? (await createTestDpopKey());
  await register(server.app, email);
  const { login } = await injectClient(server.app).login(email, 'token', {
    password: PASSWORD,
    headers: { dpop: await proofFor(server, dpopKey, 'POST', '/auth/login') },
  });
  return {
    accessToken: login.accessToken,
    refreshToken: login.refreshToken,
    key: dpopKey,
    sessionId: login.sessionId,
  };
}

async function meWithProof(server: TestServer, login: BoundLogin, proof?: string, scheme = 'DPoP') {
  return server.app.inject({
    method: 'GET',
    url: '/auth/me',
    headers: {
      authorization: `${scheme} ${login.accessToken}`,
      ...(proof === undefined ? {} : { dpop: proof }),
    },
  });
}

function assertDpopRefusal(
  response: LightMyRequestResponse,
  error: 'invalid_token' | 'invalid_dpop_proof',
): void {
  assert.equal(response.statusCode, 401, response.body);
  assert.deepEqual(response.json(), { error });
  assert.equal(response.headers['www-authenticate'], `DPoP error="${error}", algs="${ALGS}"`);
}

function tokenGrant(app: FastifyInstance, refreshToken: string, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { ...FORM, ...headers },
    payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
}

describe('DPoP at login and on requests (RFC 9449)', () => {
  it('a proof at login binds both tokens: token_type DPoP, cnf.jkt, and a refresh token naming the key', async () => {
    const server = createTestServer();
    const login = await loginWithProof(server, 'bound@example.com');
    const claims = claimsOf(login.accessToken);
    assert.deepEqual(claims.cnf, { jkt: login.key.jkt });
    assert.equal(claims.client_id, 'gatehouse');
    assert.ok(login.refreshToken.endsWith(`.gatehouse.${login.key.jkt}`));
    const ok = await meWithProof(
      server,
      login,
      await proofFor(server, login.key, 'GET', '/auth/me', { accessToken: login.accessToken }),
    );
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().session.id, login.sessionId);
  });

  it('refuses each broken proof with the exact challenge, and the session keeps working', async () => {
    const server = createTestServer();
    const login = await loginWithProof(server, 'attacks@example.com');
    const other = await createTestDpopKey();
    const iat = nowSeconds(server);
    const at = login.accessToken;
    const good = (extra: Partial<Parameters<typeof makeTestDpopProof>[1]> = {}, key = login.key) =>
      proofFor(server, key, 'GET', '/auth/me', { accessToken: at, ...extra });
    const basePayload = { jti: 'x1', htm: 'GET', htu: `${ISSUER}/auth/me`, iat };
    const hsInput = [
      Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'HS256', jwk: login.key.jwk })).toString(
        'base64url',
      ),
      Buffer.from(JSON.stringify(basePayload)).toString('base64url'),
    ].join('.');
    const hs256 = `${hsInput}.${createHmac('sha256', 'secret').update(hsInput).digest('base64url')}`;
    // The client's own key pair, with the private member `d` in the header: the signature and the
    // thumbprint are right, so only the private-key check can refuse it.
    const privateJwk = await exportJWK(login.key.privateKey);
    assert.ok(privateJwk.d);
    const withPrivateKey = await makeTestDpopProof(
      { ...login.key, jwk: privateJwk },
      { htm: 'GET', htu: `${ISSUER}/auth/me`, iat, accessToken: at },
    );
    const replayed = await good({ jti: 'used-once' });
    assert.equal((await meWithProof(server, login, replayed)).statusCode, 200);

    const cases: [string, string | undefined][] = [
      ['no proof for a bound token', undefined],
      ['proof signed by another key', await good({}, other)],
      ['wrong htm', await good({ htm: 'POST' })],
      ['wrong htu', await good({ htu: `${ISSUER}/auth/sessions` })],
      ['wrong htu origin', await good({ htu: 'https://evil.example/auth/me' })],
      ['stale iat', await good({ iat: iat - 120 })],
      ['replayed jti', replayed],
      ['missing ath', await good({ accessToken: undefined })],
      ['wrong ath', await good({ accessToken: `${at}x` })],
      ['alg none', encodeTestJws({ typ: 'dpop+jwt', alg: 'none', jwk: login.key.jwk }, basePayload)],
      ['HS256', hs256],
      ['a private key in jwk', withPrivateKey],
    ];
    for (const [name, proof] of cases) {
      const response = await meWithProof(server, login, proof);
      try {
        assertDpopRefusal(response, 'invalid_dpop_proof');
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    }
    // The bound token as Bearer: refused under the DPoP scheme's invalid_token (RFC 9449 §7.2).
    assertDpopRefusal(await meWithProof(server, login, undefined, 'Bearer'), 'invalid_token');
    assertDpopRefusal(
      await server.app.inject({ method: 'GET', url: '/auth/me', headers: bearer(at) }),
      'invalid_token',
    );
    // An unbound token under the DPoP scheme is no better.
    await register(server.app, 'plain@example.com');
    const plain = (
      await server.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: 'plain@example.com', password: PASSWORD, strategy: 'token' },
      })
    ).json();
    assert.equal(plain.tokenType, 'Bearer');
    assertDpopRefusal(
      await server.app.inject({
        method: 'GET',
        url: '/auth/me',
        headers: {
          authorization: `DPoP ${plain.accessToken}`,
          dpop: await good({ accessToken: plain.accessToken }),
        },
      }),
      'invalid_token',
    );
    // Nothing above changed state: the owner's next request with a good proof works.
    assert.equal((await meWithProof(server, login, await good())).statusCode, 200);
    assert.equal((await server.store.sessions.get(login.sessionId))?.id, login.sessionId);
  });

  it('a garbage token under the DPoP scheme is invalid_token with the DPoP challenge', async () => {
    const server = createTestServer();
    const key = await createTestDpopKey();
    const response = await server.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { authorization: 'DPoP not.a.token', dpop: await proofFor(server, key, 'GET', '/auth/me') },
    });
    assertDpopRefusal(response, 'invalid_token');
  });

  it('refuses a proof at hybrid login (DPoP binds the token strategy only) and a broken proof at login', async () => {
    const server = createTestServer();
    await register(server.app, 'hybrid-dpop@example.com');
    const key = await createTestDpopKey();
    const hybrid = await server.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: await proofFor(server, key, 'POST', '/auth/login') },
      payload: { email: 'hybrid-dpop@example.com', password: PASSWORD, strategy: 'hybrid' },
    });
    assert.deepEqual([hybrid.statusCode, hybrid.json()], [400, { error: 'invalid_request' }]);
    const wrongUrl = await server.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: await proofFor(server, key, 'POST', '/oauth/token') },
      payload: { email: 'hybrid-dpop@example.com', password: PASSWORD, strategy: 'token' },
    });
    assert.deepEqual([wrongUrl.statusCode, wrongUrl.json()], [400, { error: 'invalid_dpop_proof' }]);
    assert.equal(server.calls.verify, 0, 'refused before the password was checked');
  });
});

describe('DPoP at the token endpoint', () => {
  it('refreshes a bound token only with a proof of its key; the new tokens stay bound', async () => {
    const server = createTestServer();
    const login = await loginWithProof(server, 'refresh-dpop@example.com');
    const other = await createTestDpopKey();
    const refusals: [string, Record<string, string>][] = [
      ['no proof', {}],
      ['another key', { dpop: await proofFor(server, other, 'POST', '/oauth/token') }],
      ['wrong htu', { dpop: await proofFor(server, login.key, 'POST', '/auth/refresh') }],
    ];
    for (const [name, headers] of refusals) {
      const response = await tokenGrant(server.app, login.refreshToken, headers);
      assert.deepEqual([response.statusCode, response.json()], [400, { error: 'invalid_dpop_proof' }], name);
    }
    const json = await server.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: login.refreshToken },
    });
    assert.deepEqual(
      [json.statusCode, json.json()],
      [400, { error: 'invalid_dpop_proof' }],
      'JSON route too',
    );
    // Stripping the binding from the token makes another, unknown token.
    const stripped = await tokenGrant(server.app, login.refreshToken.split('.')[0]!);
    assert.deepEqual([stripped.statusCode, stripped.json()], [400, { error: 'invalid_grant' }]);

    const ok = await tokenGrant(server.app, login.refreshToken, {
      dpop: await proofFor(server, login.key, 'POST', '/oauth/token'),
    });
    assert.equal(ok.statusCode, 200, ok.body);
    const body = ok.json();
    assert.equal(body.token_type, 'DPoP');
    assert.deepEqual(claimsOf(body.access_token).cnf, { jkt: login.key.jkt });
    assert.ok(body.refresh_token.endsWith(`.${login.key.jkt}`));
    const viaJson = await server.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      headers: { dpop: await proofFor(server, login.key, 'POST', '/auth/refresh') },
      payload: { refreshToken: body.refresh_token },
    });
    assert.equal(viaJson.statusCode, 200, viaJson.body);
    assert.equal(viaJson.json().tokenType, 'DPoP');
  });

  it('a client registered with requireDpop gets no token without a proof', async () => {
    const server = createTestServer({
      clients: [{ id: 'mobile', name: 'Mobile', strategies: ['token'], requireDpop: true }],
    });
    await register(server.app, 'mobile@example.com');
    const payload = {
      email: 'mobile@example.com',
      password: PASSWORD,
      strategy: 'token',
      client_id: 'mobile',
    };
    const without = await server.app.inject({ method: 'POST', url: '/auth/login', payload });
    assert.deepEqual([without.statusCode, without.json()], [400, { error: 'invalid_dpop_proof' }]);
    const key = await createTestDpopKey();
    const bound = await server.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: await proofFor(server, key, 'POST', '/auth/login') },
      payload,
    });
    assert.equal(bound.statusCode, 200, bound.body);
    assert.equal(bound.json().tokenType, 'DPoP');
  });

  it('revokes a bound refresh token without a proof (RFC 7009 has none): the access token dies too', async () => {
    const server = createTestServer();
    const login = await loginWithProof(server, 'revoke-dpop@example.com');
    const response = await server.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: FORM,
      payload: new URLSearchParams({ token: login.refreshToken }).toString(),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(await server.store.sessions.get(login.sessionId), null);
    const me = await meWithProof(
      server,
      login,
      await proofFor(server, login.key, 'GET', '/auth/me', { accessToken: login.accessToken }),
    );
    assertDpopRefusal(me, 'invalid_token');
  });

  it('a password change keeps the caller’s binding', async () => {
    const server = createTestServer();
    const login = await loginWithProof(server, 'change-dpop@example.com');
    const response = await server.app.inject({
      method: 'POST',
      url: '/auth/password/change',
      headers: {
        authorization: `DPoP ${login.accessToken}`,
        dpop: await proofFor(server, login.key, 'POST', '/auth/password/change', {
          accessToken: login.accessToken,
        }),
      },
      payload: { currentPassword: PASSWORD, newPassword: 'another long passphrase' },
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.equal(body.tokenType, 'DPoP');
    assert.deepEqual(claimsOf(body.accessToken).cnf, { jkt: login.key.jkt });
    assert.ok(body.refreshToken.endsWith(`.gatehouse.${login.key.jkt}`));
  });
});

describe('DPoP server nonces (RFC 9449 §8, §9)', () => {
  it('asks for a nonce (use_dpop_nonce + DPoP-Nonce) at login and on requests, and accepts it on retry', async () => {
    // The test server's manual clock starts at the same instant as this one and never moves here.
    const nonces = createDpopNonces({ secret: randomBytes(32), clock: createManualClock() });
    const withNonces = createTestServer({ dpopNonces: nonces });
    const key = await createTestDpopKey();
    await register(withNonces.app, 'nonce@example.com');
    const payload = { email: 'nonce@example.com', password: PASSWORD, strategy: 'token' };
    const first = await withNonces.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: await proofFor(withNonces, key, 'POST', '/auth/login') },
      payload,
    });
    assert.deepEqual([first.statusCode, first.json()], [400, { error: 'use_dpop_nonce' }]);
    const nonce = first.headers['dpop-nonce'] as string;
    assert.equal(nonce, nonces.current());
    const second = await withNonces.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { dpop: await proofFor(withNonces, key, 'POST', '/auth/login', { nonce }) },
      payload,
    });
    assert.equal(second.statusCode, 200, second.body);
    const login = { ...second.json(), key };
    const noNonce = await withNonces.app.inject({
      method: 'GET',
      url: '/auth/me',
      headers: {
        authorization: `DPoP ${login.accessToken}`,
        dpop: await proofFor(withNonces, key, 'GET', '/auth/me', { accessToken: login.accessToken }),
      },
    });
    assert.equal(noNonce.statusCode, 401);
    assert.deepEqual(noNonce.json(), { error: 'use_dpop_nonce' });
    assert.equal(noNonce.headers['www-authenticate'], `DPoP error="use_dpop_nonce", algs="${ALGS}"`);
    assert.equal(noNonce.headers['dpop-nonce'], nonce);
  });
});
