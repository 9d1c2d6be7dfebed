import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  createTestDpopKey,
  encodeTestJws,
  makeTestDpopProof,
  type TestDpopKey,
} from '@gatehouse/core/testing';
import { exportJWK } from 'jose';
import { type ExpressLikeRequest, gatehouse as expressGatehouse } from './adapters/express.ts';
import { type FastifyLikeRequest, gatehouseHook } from './adapters/fastify.ts';
import { gatehouse as honoGatehouse, type HonoLikeContext } from './adapters/hono.ts';
import { toFailureResponse } from './lib/failure-response.ts';
import { createFixture } from './testing/fixture.ts';
import type { VerifyResult } from './types.ts';

const BASE = 'https://api.test';
const ALGS = 'ES256 ES384 EdDSA RS256 PS256';

async function setup(dpop: { baseUrl: string } | null = { baseUrl: BASE }) {
  const t = await createFixture(dpop ? { dpop } : {});
  const key = await createTestDpopKey();
  const { token } = await t.sign({ jkt: key.jkt, clientId: 'cli' });
  const iat = () => Math.floor(t.clock.now() / 1000);
  const proof = (extra: Partial<Parameters<typeof makeTestDpopProof>[1]> = {}, signer: TestDpopKey = key) =>
    makeTestDpopProof(signer, {
      htm: 'GET',
      htu: `${BASE}/orders`,
      iat: iat(),
      accessToken: token,
      ...extra,
    });
  const request = (dpopHeader: string | string[] | undefined, scheme = 'DPoP', url = '/orders?page=2') =>
    t.verifier.verifyRequest({
      headers: {
        authorization: `${scheme} ${token}`,
        ...(dpopHeader === undefined ? {} : { dpop: dpopHeader }),
      },
      method: 'GET',
      url,
    });
  return { t, key, token, proof, request, iat };
}

function assertRefused(result: VerifyResult, code: string, label: string): void {
  assert.deepEqual(result, { ok: false, status: 401, code, scheme: 'DPoP' }, label);
}

describe('createVerifier: DPoP-bound tokens (RFC 9449 §7)', () => {
  it('accepts a bound token with a proof of its key, every time with a fresh proof (cache or not)', async () => {
    const { t, key, proof, request } = await setup();
    const first = await request(await proof());
    assert.equal(first.ok, true);
    assert.equal(first.ok && first.principal.jkt, key.jkt);
    assert.equal(first.ok && first.principal.clientId, 'cli');
    const second = await request(await proof());
    assert.equal(second.ok, true);
    assert.equal(
      t.verifier.metrics().cacheHits,
      1,
      'the token came from the cache, the proof was checked anyway',
    );
    assertRefused(await request(undefined), 'ERR_DPOP_PROOF', 'a cached token still needs its proof');
    assert.equal(t.verifier.metrics().accepted, 2);
    await t.stop();
  });

  it('refuses each broken proof with the exact code', async () => {
    const { t, key, token, proof, request, iat } = await setup();
    const other = await createTestDpopKey();
    const payload = { jti: 'n1', htm: 'GET', htu: `${BASE}/orders`, iat: iat() };
    const hsInput = [
      Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.jwk })).toString('base64url'),
      Buffer.from(JSON.stringify(payload)).toString('base64url'),
    ].join('.');
    // The client's own private key in the header: signature and thumbprint right, only `d` is wrong.
    const privateJwk = await exportJWK(key.privateKey);
    const replayed = await proof({ jti: 'once' });
    assert.equal((await request(replayed)).ok, true);
    const cases: [string, string | string[] | undefined][] = [
      ['no proof', undefined],
      ['two DPoP headers', [await proof(), await proof()]],
      ['another key', await proof({}, other)],
      ['wrong htm', await proof({ htm: 'POST' })],
      ['wrong htu', await proof({ htu: `${BASE}/payments` })],
      ['htu from the Host header, not the base', await proof({ htu: 'https://evil.test/orders' })],
      ['stale iat', await proof({ iat: iat() - 61 })],
      ['replayed jti', replayed],
      ['missing ath', await proof({ accessToken: undefined })],
      ['wrong ath', await proof({ accessToken: `${token}x` })],
      ['alg none', encodeTestJws({ typ: 'dpop+jwt', alg: 'none', jwk: key.jwk }, payload)],
      ['HS256', `${hsInput}.${createHmac('sha256', 'k').update(hsInput).digest('base64url')}`],
      [
        'private key in jwk',
        await makeTestDpopProof(
          { ...key, jwk: privateJwk },
          { htm: 'GET', htu: `${BASE}/orders`, iat: iat(), accessToken: token },
        ),
      ],
    ];
    for (const [label, header] of cases) assertRefused(await request(header), 'ERR_DPOP_PROOF', label);
    // The bound token as Bearer, with or without a proof: invalid_token under the DPoP challenge.
    assertRefused(await request(undefined, 'Bearer'), 'ERR_TOKEN_BINDING', 'Bearer');
    assertRefused(await request(await proof(), 'Bearer'), 'ERR_TOKEN_BINDING', 'Bearer with a proof');
    assertRefused(await t.verifier.verifyToken(token), 'ERR_TOKEN_BINDING', 'verifyToken');
    // No request URL or method known: nothing to check the proof against.
    assertRefused(
      await t.verifier.verifyRequest({ headers: { authorization: `DPoP ${token}`, dpop: await proof() } }),
      'ERR_DPOP_PROOF',
      'no method or url',
    );
    assert.equal(t.verifier.metrics().rejected.ERR_DPOP_PROOF, cases.length + 1);
    assert.equal((await request(await proof())).ok, true, 'nothing above hurt the owner');
    await t.stop();
  });

  it('without the dpop option, a bound token is refused either way (it can never pass as Bearer)', async () => {
    const { t, proof, request } = await setup(null);
    assertRefused(await request(await proof()), 'ERR_TOKEN_BINDING', 'DPoP scheme');
    assertRefused(await request(undefined, 'Bearer'), 'ERR_TOKEN_BINDING', 'Bearer');
    await t.stop();
  });

  it('an unbound token stays a Bearer token, and is refused under the DPoP scheme', async () => {
    const { t } = await setup();
    const { token } = await t.sign();
    assert.equal(
      (await t.verifier.verifyRequest({ headers: { authorization: `Bearer ${token}` } })).ok,
      true,
    );
    assertRefused(
      await t.verifier.verifyRequest({
        headers: { authorization: `DPoP ${token}` },
        method: 'GET',
        url: '/orders',
      }),
      'ERR_TOKEN_BINDING',
      'unbound under DPoP',
    );
    await t.stop();
  });

  it('refuses a revoked bound token even with a good proof', async () => {
    const { t, proof, request } = await setup();
    assert.equal((await request(await proof())).ok, true);
    await t.feed.publish([
      { type: 'session', sid: 'session-1', sub: 'user-1', until: t.clock.now() + 600_000 },
    ]);
    assertRefused(await request(await proof()), 'ERR_TOKEN_REVOKED', 'revoked');
    await t.stop();
  });

  it('validates the dpop option at creation', async () => {
    for (const baseUrl of ['relative/path', 'http://api.example.com', 'https://api.test/?q=1']) {
      await assert.rejects(createFixture({ dpop: { baseUrl } }), TypeError, baseUrl);
    }
    await assert.rejects(
      createFixture({ dpop: { baseUrl: BASE, algorithms: ['HS256' as never] } }),
      TypeError,
    );
  });

  it('the failure response carries the DPoP challenge (and DPoP-Nonce when asked)', () => {
    assert.deepEqual(
      toFailureResponse({ ok: false, status: 401, code: 'ERR_DPOP_PROOF', scheme: 'DPoP' }).headers,
      {
        'cache-control': 'no-store',
        'www-authenticate': `DPoP error="invalid_dpop_proof", algs="${ALGS}"`,
      },
    );
    assert.deepEqual(
      toFailureResponse({ ok: false, status: 401, code: 'ERR_TOKEN_BINDING', scheme: 'DPoP' }).headers[
        'www-authenticate'
      ],
      `DPoP error="invalid_token", algs="${ALGS}"`,
    );
    assert.deepEqual(
      toFailureResponse({ ok: false, status: 401, code: 'ERR_DPOP_NONCE', scheme: 'DPoP', dpopNonce: 'n' })
        .headers,
      {
        'cache-control': 'no-store',
        'www-authenticate': `DPoP error="use_dpop_nonce", algs="${ALGS}"`,
        'dpop-nonce': 'n',
      },
    );
  });
});

describe('DPoP through every adapter', () => {
  it('express: passes method and originalUrl, refuses a missing proof with the DPoP challenge', async () => {
    const { t, proof, token } = await setup();
    const run = (req: ExpressLikeRequest) =>
      new Promise<{ next: boolean; status?: number; headers?: Record<string, string> }>((resolve) => {
        const sent: { status?: number; headers?: Record<string, string> } = {};
        const res = {
          status(code: number) {
            sent.status = code;
            return res;
          },
          set(headers: Record<string, string>) {
            sent.headers = headers;
            return res;
          },
          json() {
            resolve({ next: false, ...sent });
          },
        };
        expressGatehouse(t.verifier)(req, res, () => resolve({ next: true }));
      });
    const ok = await run({
      method: 'GET',
      originalUrl: '/orders?x=1',
      url: '/?x=1',
      headers: { authorization: `DPoP ${token}`, dpop: await proof() },
    });
    assert.equal(ok.next, true);
    const refused = await run({
      method: 'GET',
      originalUrl: '/orders',
      headers: { authorization: `DPoP ${token}` },
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers?.['www-authenticate'], `DPoP error="invalid_dpop_proof", algs="${ALGS}"`);
    const twice = await run({
      method: 'GET',
      originalUrl: '/orders',
      headers: { authorization: `DPoP ${token}`, dpop: await proof() },
      headersDistinct: { authorization: [`DPoP ${token}`], dpop: [await proof(), await proof()] },
    });
    assert.equal(twice.status, 401, 'a second DPoP header, seen through headersDistinct');
    await t.stop();
  });

  it('fastify: passes method and url', async () => {
    const { t, key, proof, token } = await setup();
    const sent: { code?: number; headers?: Record<string, string> } = {};
    const reply = {
      code(status: number) {
        sent.code = status;
        return reply;
      },
      headers(values: Record<string, string>) {
        sent.headers = values;
        return reply;
      },
      send() {
        return reply;
      },
    };
    const request: FastifyLikeRequest = {
      method: 'GET',
      url: '/orders',
      headers: { authorization: `DPoP ${token}`, dpop: await proof() },
    };
    assert.equal(await gatehouseHook(t.verifier)(request, reply), undefined);
    assert.equal(request.auth?.jkt, key.jkt);
    const wrongMethod: FastifyLikeRequest = {
      method: 'POST',
      url: '/orders',
      headers: { authorization: `DPoP ${token}`, dpop: await proof() },
    };
    await gatehouseHook(t.verifier)(wrongMethod, reply);
    assert.equal(sent.code, 401);
    assert.equal(sent.headers?.['www-authenticate'], `DPoP error="invalid_dpop_proof", algs="${ALGS}"`);
    await t.stop();
  });

  it('hono: takes the path of the absolute request URL, never its host', async () => {
    const { t, proof, token } = await setup();
    const run = async (url: string, dpop: string) => {
      const state: { auth?: unknown; status?: number; headers?: Record<string, string> } = {};
      const context: HonoLikeContext = {
        req: { raw: { headers: new Headers({ authorization: `DPoP ${token}`, dpop }), method: 'GET', url } },
        set: (_key, value) => {
          state.auth = value;
        },
        json: (body, status, headers) => {
          state.status = status;
          state.headers = headers;
          return new Response(JSON.stringify(body), { status, headers });
        },
      };
      await honoGatehouse(t.verifier)(context, async () => {});
      return state;
    };
    assert.ok((await run('http://internal:8080/orders?x=1', await proof())).auth);
    const refused = await run(
      'http://internal:8080/orders',
      await proof({ htu: 'http://internal:8080/orders' }),
    );
    assert.equal(refused.status, 401);
    assert.equal(refused.headers?.['www-authenticate'], `DPoP error="invalid_dpop_proof", algs="${ALGS}"`);
    await t.stop();
  });
});
