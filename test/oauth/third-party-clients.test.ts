/**
 * Gatehouse driven by OAuth clients nobody here wrote: openid-client and oauth4webapi (both from
 * the registry, used as their documentation says), and jose's RFC 9068 checks. Each step asserts
 * the effect: a refreshed token works, a revoked one is refused by the server and by a service
 * verifying with @gatehouse/verify. The issuer is `http://localhost:3000` while the servers listen on
 * random ports, so both libraries get a `customFetch` that routes the issuer's URLs there, and
 * `allowInsecureRequests` for plain http on loopback (their documented escape hatches).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createSseFeedSource } from '@gatehouse/core';
import { createVerifier, type Verifier } from '@gatehouse/verify';
import { gatehouse } from '@gatehouse/verify/express';
import express from 'express';
import { createLocalJWKSet, exportJWK, jwtVerify, SignJWT } from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import {
  bearer,
  claimsOf,
  PASSWORD,
  register,
  type SecurityServer,
  startSecurityServer,
  uniqueEmail,
} from '../security/support.ts';

const ISSUER = 'http://localhost:3000';
const SERVICE_ORIGIN = 'http://localhost:4000';
const SERVICE_TOKEN = 'third-party-clients-service-token-0123456789';

let auth: SecurityServer;
let service: { port: number; verifier: Verifier; close(): Promise<void> };

/** Routes the public origins to the ports the servers really listen on. */
function routeToTestServers(url: string): string {
  if (url.startsWith(ISSUER)) return `${auth.url}${url.slice(ISSUER.length)}`;
  if (url.startsWith(SERVICE_ORIGIN))
    return `http://127.0.0.1:${service.port}${url.slice(SERVICE_ORIGIN.length)}`;
  throw new Error(`unexpected URL ${url}`);
}
const fetchVia = ((url: string, options: RequestInit) => fetch(routeToTestServers(url), options)) as never;
const insecure = { [oauth.allowInsecureRequests]: true, [oauth.customFetch]: fetchVia };

async function startService(): Promise<typeof service> {
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: 'gatehouse',
    algorithms: ['ES256'],
    jwksUrl: `${auth.url}/.well-known/jwks.json`,
    feed: createSseFeedSource({ baseUrl: auth.url, headers: { authorization: `Bearer ${SERVICE_TOKEN}` } }),
    dpop: { baseUrl: SERVICE_ORIGIN },
    maxStalenessMs: 60_000,
  });
  await verifier.start();
  const app = express();
  app.get('/orders', gatehouse(verifier), (req, res) => {
    res.json({ sub: req.auth!.sub, clientId: req.auth!.clientId, jkt: req.auth!.jkt ?? null });
  });
  const listener = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => listener.once('listening', resolve));
  return {
    port: (listener.address() as AddressInfo).port,
    verifier,
    async close() {
      await verifier.stop();
      await new Promise((resolve) => listener.close(resolve));
    },
  };
}

async function tokenLogin(email: string, dpop?: string) {
  const { answer } = await auth.client.login(email, 'token', {
    password: PASSWORD,
    headers: dpop ? { dpop } : {},
  });
  return answer.raw.json() as { accessToken: string; refreshToken: string; tokenType: string };
}

before(async () => {
  auth = await startSecurityServer(['--service-token', SERVICE_TOKEN]);
  service = await startService();
});
after(async () => {
  await service.close();
  await auth.close();
});

describe('openid-client 6', () => {
  for (const algorithm of ['oidc', 'oauth2'] as const) {
    it(`discovers the server (${algorithm}) from the issuer`, async () => {
      const config = await client.discovery(new URL(ISSUER), 'gatehouse', undefined, client.None(), {
        algorithm,
        execute: [client.allowInsecureRequests],
        [client.customFetch]: fetchVia,
      });
      const metadata = config.serverMetadata();
      assert.equal(metadata.issuer, ISSUER);
      assert.equal(metadata.token_endpoint, `${ISSUER}/oauth/token`);
      assert.equal(metadata.revocation_endpoint, `${ISSUER}/oauth/revoke`);
      assert.equal(metadata.introspection_endpoint, `${ISSUER}/oauth/introspect`);
      assert.deepEqual(metadata.introspection_endpoint_auth_methods_supported, ['client_secret_basic']);
      assert.ok(metadata.dpop_signing_alg_values_supported?.includes('ES256'));
    });
  }

  it('refreshTokenGrant, tokenIntrospection, tokenRevocation: the revoked token is then refused by the server and by a verifier', async () => {
    const options = { execute: [client.allowInsecureRequests], [client.customFetch]: fetchVia };
    const publicClient = await client.discovery(new URL(ISSUER), 'gatehouse', undefined, client.None(), {
      ...options,
      algorithm: 'oauth2',
    });
    const resourceServer = await client.discovery(
      new URL(ISSUER),
      'service',
      undefined,
      client.ClientSecretBasic(SERVICE_TOKEN),
      { ...options, algorithm: 'oauth2' },
    );
    const email = uniqueEmail('openid-client');
    await register(auth, email);
    const login = await tokenLogin(email);

    const refreshed = await client.refreshTokenGrant(publicClient, login.refreshToken);
    assert.equal(refreshed.token_type, 'bearer');
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== login.refreshToken);
    assert.equal(typeof refreshed.expires_in, 'number');
    assert.equal(
      (await auth.send('GET', '/auth/me', { headers: bearer(refreshed.access_token) })).status,
      200,
    );
    const ordersBefore = await fetch(`http://127.0.0.1:${service.port}/orders`, {
      headers: bearer(refreshed.access_token),
    });
    assert.equal(ordersBefore.status, 200);
    assert.equal((await ordersBefore.json()).clientId, 'gatehouse');

    const active = await client.tokenIntrospection(resourceServer, refreshed.access_token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, 'gatehouse');
    assert.equal(active.sub, claimsOf(refreshed.access_token).sub);

    await client.tokenRevocation(publicClient, refreshed.refresh_token!);
    assert.equal(
      (await auth.send('GET', '/auth/me', { headers: bearer(refreshed.access_token) })).status,
      401,
    );
    assert.equal((await client.tokenIntrospection(resourceServer, refreshed.access_token)).active, false);
    await assert.rejects(
      client.refreshTokenGrant(publicClient, refreshed.refresh_token!),
      (error: unknown) => {
        assert.equal((error as { error?: string }).error, 'invalid_grant');
        return true;
      },
    );
    // The verifier learns it from the feed; poll briefly (the revocation delay is measured by the bench).
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 401; attempt++) {
      const answer = await fetch(`http://127.0.0.1:${service.port}/orders`, {
        headers: bearer(refreshed.access_token),
      });
      status = answer.status;
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(status, 401, 'the verifier refuses the revoked token');
  });
});

describe('openid-client 6 with DPoP', () => {
  it('refreshTokenGrant with its DPoP handle binds the new tokens; fetchProtectedResource sends the proof', async () => {
    const config = await client.discovery(new URL(ISSUER), 'gatehouse', undefined, client.None(), {
      algorithm: 'oauth2',
      execute: [client.allowInsecureRequests],
      [client.customFetch]: fetchVia,
    });
    const keyPair = await client.randomDPoPKeyPair('ES256');
    const DPoP = client.getDPoPHandle(config, keyPair);
    const email = uniqueEmail('openid-client-dpop');
    await register(auth, email);
    const loginProof = await new SignJWT({
      jti: randomUUID(),
      htm: 'POST',
      htu: `${ISSUER}/auth/login`,
      iat: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(keyPair.publicKey) })
      .sign(keyPair.privateKey);
    const login = await tokenLogin(email, loginProof);
    // Without the handle the bound refresh token is refused, and not spent.
    await assert.rejects(client.refreshTokenGrant(config, login.refreshToken), (error: unknown) => {
      assert.equal((error as { error?: string }).error, 'invalid_dpop_proof');
      return true;
    });
    const refreshed = await client.refreshTokenGrant(config, login.refreshToken, undefined, { DPoP });
    assert.equal(refreshed.token_type, 'dpop');
    assert.deepEqual(claimsOf(refreshed.access_token).cnf, { jkt: await DPoP.calculateThumbprint() });
    const orders = await client.fetchProtectedResource(
      config,
      refreshed.access_token,
      new URL(`${SERVICE_ORIGIN}/orders`),
      'GET',
      undefined,
      undefined,
      { DPoP },
    );
    assert.equal(orders.status, 200);
    const me = await client.fetchProtectedResource(
      config,
      refreshed.access_token,
      new URL(`${ISSUER}/auth/me`),
      'GET',
      undefined,
      undefined,
      { DPoP },
    );
    assert.equal(me.status, 200);
  });
});

describe('oauth4webapi 3 with DPoP', () => {
  it('login with a proof, resource requests to the server and to a verifier, refresh and revoke', async () => {
    const issuer = new URL(ISSUER);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    const publicClient: oauth.Client = { client_id: 'gatehouse' };
    const keyPair = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(publicClient, keyPair);
    const jkt = await DPoP.calculateThumbprint();

    // Login is Gatehouse's own endpoint (no authorization endpoint): the proof is made with jose,
    // by the same key pair oauth4webapi holds.
    const email = uniqueEmail('oauth4webapi');
    await register(auth, email);
    const loginProof = await new SignJWT({
      jti: randomUUID(),
      htm: 'POST',
      htu: `${ISSUER}/auth/login`,
      iat: Math.floor(Date.now() / 1000),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(keyPair.publicKey) })
      .sign(keyPair.privateKey);
    const login = await tokenLogin(email, loginProof);
    assert.equal(login.tokenType, 'DPoP');
    assert.deepEqual(claimsOf(login.accessToken).cnf, { jkt });

    const me = await oauth.protectedResourceRequest(
      login.accessToken,
      'GET',
      new URL(`${ISSUER}/auth/me`),
      undefined,
      null,
      {
        DPoP,
        ...insecure,
      },
    );
    assert.equal(me.status, 200);
    const orders = await oauth.protectedResourceRequest(
      login.accessToken,
      'GET',
      new URL(`${SERVICE_ORIGIN}/orders`),
      undefined,
      null,
      { DPoP, ...insecure },
    );
    assert.equal(orders.status, 200);
    assert.equal((await orders.json()).jkt, jkt);

    // The same token without its proof (a thief's Bearer request) is refused by both.
    for (const url of [`${ISSUER}/auth/me`, `${SERVICE_ORIGIN}/orders`]) {
      await assert.rejects(
        oauth.protectedResourceRequest(login.accessToken, 'GET', new URL(url), undefined, null, insecure),
        (error: unknown) => {
          assert.ok(error instanceof oauth.WWWAuthenticateChallengeError, String(error));
          assert.equal(error.cause[0]?.scheme, 'dpop');
          assert.equal(error.cause[0]?.parameters.error, 'invalid_token');
          return true;
        },
        url,
      );
    }

    const refreshResponse = await oauth.refreshTokenGrantRequest(
      as,
      publicClient,
      oauth.None(),
      login.refreshToken,
      {
        DPoP,
        ...insecure,
      },
    );
    const refreshed = await oauth.processRefreshTokenResponse(as, publicClient, refreshResponse);
    assert.equal(refreshed.token_type, 'dpop');
    assert.deepEqual(claimsOf(refreshed.access_token).cnf, { jkt });
    const afterRefresh = await oauth.protectedResourceRequest(
      refreshed.access_token,
      'GET',
      new URL(`${SERVICE_ORIGIN}/orders`),
      undefined,
      null,
      { DPoP, ...insecure },
    );
    assert.equal(afterRefresh.status, 200);

    // A refresh without the key is refused (RFC 9449 §5), and spends nothing.
    const stolen = await oauth.refreshTokenGrantRequest(
      as,
      publicClient,
      oauth.None(),
      refreshed.refresh_token!,
      insecure,
    );
    await assert.rejects(oauth.processRefreshTokenResponse(as, publicClient, stolen), (error: unknown) => {
      assert.equal((error as { error?: string }).error, 'invalid_dpop_proof');
      return true;
    });

    const revocation = await oauth.revocationRequest(
      as,
      publicClient,
      oauth.None(),
      refreshed.refresh_token!,
      insecure,
    );
    await oauth.processRevocationResponse(revocation);
    await assert.rejects(
      oauth.protectedResourceRequest(
        refreshed.access_token,
        'GET',
        new URL(`${ISSUER}/auth/me`),
        undefined,
        null,
        {
          DPoP,
          ...insecure,
        },
      ),
      (error: unknown) => {
        assert.ok(error instanceof oauth.WWWAuthenticateChallengeError);
        assert.equal(error.cause[0]?.parameters.error, 'invalid_token');
        return true;
      },
    );
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 401; attempt++) {
      try {
        const answer = await oauth.protectedResourceRequest(
          refreshed.access_token,
          'GET',
          new URL(`${SERVICE_ORIGIN}/orders`),
          undefined,
          null,
          { DPoP, ...insecure },
        );
        status = answer.status;
        await new Promise((resolve) => setTimeout(resolve, 50));
      } catch (error) {
        assert.ok(error instanceof oauth.WWWAuthenticateChallengeError);
        status = error.status;
      }
    }
    assert.equal(status, 401, 'the verifier refuses the revoked token');
  });
});

describe('oauth4webapi with server nonces (GATEHOUSE_DPOP_NONCE=on)', () => {
  it('retries with the DPoP-Nonce the server hands out, as RFC 9449 §8 describes', async () => {
    const withNonce = await startSecurityServer(['--dpop-nonce', 'on']);
    try {
      const via = ((url: string, options: RequestInit) =>
        fetch(url.replace(ISSUER, withNonce.url), options)) as never;
      const options = { [oauth.allowInsecureRequests]: true, [oauth.customFetch]: via };
      const issuer = new URL(ISSUER);
      const as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...options }),
      );
      const publicClient: oauth.Client = { client_id: 'gatehouse' };
      const keyPair = await oauth.generateKeyPair('ES256');
      const DPoP = oauth.DPoP(publicClient, keyPair);
      const email = uniqueEmail('nonce');
      await register(withNonce, email);
      const proof = async (nonce?: string) =>
        new SignJWT({
          jti: randomUUID(),
          htm: 'POST',
          htu: `${ISSUER}/auth/login`,
          iat: Math.floor(Date.now() / 1000),
          ...(nonce ? { nonce } : {}),
        })
          .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(keyPair.publicKey) })
          .sign(keyPair.privateKey);
      const body = { email, password: PASSWORD, strategy: 'token' };
      const first = await withNonce.send('POST', '/auth/login', {
        headers: { dpop: await proof() },
        json: body,
      });
      assert.deepEqual([first.status, first.json()], [400, { error: 'use_dpop_nonce' }]);
      const nonce = first.headers['dpop-nonce'] as string;
      assert.ok(nonce);
      const login = await withNonce.send('POST', '/auth/login', {
        headers: { dpop: await proof(nonce) },
        json: body,
      });
      assert.equal(login.status, 200, login.body);
      const { refreshToken } = login.json() as { refreshToken: string };

      // oauth4webapi has no nonce for this origin yet: the first grant is refused, the retry succeeds.
      const refresh = async () =>
        oauth.processRefreshTokenResponse(
          as,
          publicClient,
          await oauth.refreshTokenGrantRequest(as, publicClient, oauth.None(), refreshToken, {
            DPoP,
            ...options,
          }),
        );
      let refreshed: Awaited<ReturnType<typeof refresh>>;
      try {
        refreshed = await refresh();
        assert.fail('expected use_dpop_nonce first');
      } catch (error) {
        assert.ok(oauth.isDPoPNonceError(error), String(error));
        refreshed = await refresh();
      }
      assert.equal(refreshed.token_type, 'dpop');
      const me = await oauth.protectedResourceRequest(
        refreshed.access_token,
        'GET',
        new URL(`${ISSUER}/auth/me`),
        undefined,
        null,
        { DPoP, ...options },
      );
      assert.equal(me.status, 200);
    } finally {
      await withNonce.close();
    }
  });
});

describe('jose jwtVerify with RFC 9068', () => {
  it('accepts Gatehouse access tokens with typ at+jwt and every required claim', async () => {
    const email = uniqueEmail('jose');
    await register(auth, email);
    const login = await tokenLogin(email);
    const jwks = createLocalJWKSet(auth.server.keyring.jwks() as never);
    const { payload, protectedHeader } = await jwtVerify(login.accessToken, jwks, {
      issuer: ISSUER,
      audience: 'gatehouse',
      typ: 'at+jwt',
      algorithms: ['ES256'],
      // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti.
      requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'],
    });
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.equal(payload.client_id, 'gatehouse');
    await assert.rejects(
      jwtVerify(login.accessToken, jwks, { issuer: ISSUER, audience: 'gatehouse', typ: 'JWT' }),
      { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' },
    );
  });
});
