import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import type { SigningAlgorithm } from '@gatehouse/core';
import {
  assertInvalidToken,
  bearer,
  createTestServer,
  HOUR_MS,
  headerOf,
  ISSUER,
  loginWithTokens,
  MINUTE_MS,
  registerAndLoginWithTokens,
} from '../testing/index.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** A server whose log lines are kept, to read why a request was refused. */
function createLoggedServer() {
  const lines: Record<string, unknown>[] = [];
  const server = createTestServer({
    logger: { level: 'debug', stream: { write: (line) => void lines.push(JSON.parse(line)) } },
  });
  const refusalCodes = () => lines.filter((line) => line.msg === 'request refused').map((line) => line.code);
  return { ...server, refusalCodes };
}

async function jwksKids(app: ReturnType<typeof createTestServer>['app']): Promise<string[]> {
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  return response.json().keys.map((key: { kid: string }) => key.kid);
}

describe('signing keys over HTTP', () => {
  it('keeps accepting a token signed before a rotation, and refuses it once its key is pruned', async () => {
    const { app, keyring, clock, refusalCodes } = createLoggedServer();
    const login = await registerAndLoginWithTokens(app, 'rot@example.com', 'hybrid');
    const oldKid = headerOf(login.accessToken).kid as string;

    clock.advance(1000);
    const newKid = await keyring.rotate();
    assert.notEqual(newKid, oldKid);
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) });
    assert.equal(me.statusCode, 200, 'signed before the rotation, still good');
    assert.deepEqual(await jwksKids(app), [newKid, oldKid]);
    const fresh = await loginWithTokens(app, 'rot@example.com', 'token');
    assert.equal(headerOf(fresh.accessToken).kid, newKid);

    clock.advance(HOUR_MS + MINUTE_MS);
    assert.deepEqual(await keyring.pruneRetired(), [oldKid]);
    assert.deepEqual(await jwksKids(app), [newKid]);
    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) }),
    );
    // Refused for its key, checked before its expiry: the pruned key is what stops it.
    assert.equal(refusalCodes().at(-1), 'ERR_TOKEN_KID');
  });

  it('refuses a token at once when its key is revoked, and signs with a new key from then on', async () => {
    const { app, keyring, refusalCodes } = createLoggedServer();
    const login = await registerAndLoginWithTokens(app, 'rev@example.com', 'token');
    const kid = headerOf(login.accessToken).kid as string;
    assert.equal(await keyring.revoke(kid), true);

    assertInvalidToken(
      await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) }),
    );
    assert.equal(refusalCodes().at(-1), 'ERR_TOKEN_KID');
    assert.equal((await jwksKids(app)).includes(kid), false);

    // The session itself is fine: a refresh gets a token from the new key.
    const refreshed = await app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: login.refreshToken },
    });
    assert.equal(refreshed.statusCode, 200);
    const accessToken = refreshed.json().accessToken;
    assert.notEqual(headerOf(accessToken).kid, kid);
    assert.equal(
      (await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(accessToken) })).statusCode,
      200,
    );
  });
});

describe('GET /.well-known/jwks.json', () => {
  const members: Record<Exclude<SigningAlgorithm, 'HS256'>, string[]> = {
    ES256: ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
    EdDSA: ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
    RS256: ['alg', 'e', 'kid', 'kty', 'n', 'use'],
  };
  for (const [algorithm, expected] of Object.entries(members)) {
    it(`publishes public members only for ${algorithm}, active and retired, cacheable for 5 minutes`, async () => {
      const { app, keyring } = createTestServer({ signingAlgorithm: algorithm as SigningAlgorithm });
      const login = await registerAndLoginWithTokens(app, 'jwks@example.com', 'token');
      assert.equal(headerOf(login.accessToken).alg, algorithm);
      await keyring.rotate();

      const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['cache-control'], 'public, max-age=300');
      const { keys } = response.json();
      assert.equal(keys.length, 2);
      for (const key of keys) {
        assert.deepEqual(Object.keys(key).sort(), expected);
        for (const member of PRIVATE_MEMBERS) assert.equal(member in key, false, `${member} published`);
        assert.equal(key.alg, algorithm);
        assert.equal(key.use, 'sig');
      }
      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) });
      assert.equal(me.statusCode, 200);
    });
  }

  it('publishes no key at all for HS256, which still signs and verifies here', async () => {
    const { app } = createTestServer({ signingAlgorithm: 'HS256' });
    const login = await registerAndLoginWithTokens(app, 'hs@example.com', 'hybrid');
    assert.equal(headerOf(login.accessToken).alg, 'HS256');
    const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.equal(response.body, '{"keys":[]}');
    const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) });
    assert.equal(me.statusCode, 200);
  });

  it('refuses an HS256 token signed with a public key as the secret (algorithm confusion)', async () => {
    const { app } = createTestServer({ signingAlgorithm: 'ES256' });
    const login = await registerAndLoginWithTokens(app, 'confused@example.com', 'token');
    const { keys } = (await app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: keys[0].kid, typ: 'at+jwt' })).toString(
      'base64url',
    );
    const payload = login.accessToken.split('.')[1]!;
    const signature = createHmac('sha256', JSON.stringify(keys[0]))
      .update(`${header}.${payload}`)
      .digest('base64url');
    const forged = `${header}.${payload}.${signature}`;
    assertInvalidToken(await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(forged) }));
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: keys[0].kid, typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    assertInvalidToken(await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(none) }));
  });
});

describe('GET /.well-known/openid-configuration', () => {
  it('names the issuer, the JWKS, the endpoints and the revocation feed', async () => {
    const { app } = createTestServer({ signingAlgorithm: 'EdDSA' });
    const response = await app.inject({ method: 'GET', url: '/.well-known/openid-configuration' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['cache-control'], 'public, max-age=300');
    assert.deepEqual(response.json(), {
      issuer: ISSUER,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      token_endpoint: `${ISSUER}/oauth/token`,
      revocation_endpoint: `${ISSUER}/oauth/revoke`,
      revocation_feed: `${ISSUER}/revocations`,
      response_types_supported: [],
      grant_types_supported: ['refresh_token'],
      token_endpoint_auth_methods_supported: ['none'],
      revocation_endpoint_auth_methods_supported: ['none'],
      dpop_signing_alg_values_supported: ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'],
      access_token_signing_alg_values_supported: ['EdDSA'],
      id_token_signing_alg_values_supported: ['EdDSA'],
    });
  });

  it('is served without credentials, and ignores any that are sent', async () => {
    const { app } = createTestServer();
    const response = await app.inject({
      method: 'GET',
      url: '/.well-known/openid-configuration',
      headers: { authorization: 'Bearer garbage', cookie: '__Host-gh_session=garbage' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().issuer, ISSUER);
  });
});
