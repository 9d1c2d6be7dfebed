import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { DpopProofError } from '../errors.ts';
import { createTestDpopKey, encodeTestJws, makeTestDpopProof } from '../testing/dpop-proof.ts';
import { createManualClock } from '../testing/manual-clock.ts';
import { createDpopProofChecker } from './check-dpop-proof.ts';
import { createDpopNonces } from './dpop-nonces.ts';
import { computeJwkThumbprint } from './jwk-thumbprint.ts';
import { normalizeHtu } from './normalize-htu.ts';

const URL_ = 'https://api.example.com/orders';
const TOKEN = 'header.payload.signature';

async function setup() {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const checker = createDpopProofChecker({ clock });
  const key = await createTestDpopKey();
  const iat = Math.floor(clock.now() / 1000);
  const proof = (input: Partial<Parameters<typeof makeTestDpopProof>[1]> = {}, signer = key) =>
    makeTestDpopProof(signer, { htm: 'GET', htu: URL_, accessToken: TOKEN, iat, ...input });
  const check = (proofText: string | string[] | undefined, extra: Record<string, unknown> = {}) =>
    checker.check({
      proof: proofText,
      method: 'GET',
      url: URL_,
      accessToken: TOKEN,
      expectedJkt: key.jkt,
      ...extra,
    });
  return { clock, checker, key, iat, proof, check };
}

function refused(fn: () => unknown, reason: RegExp, code = 'ERR_DPOP_PROOF'): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DpopProofError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, reason);
    return true;
  });
}

describe('createDpopProofChecker', () => {
  it('accepts a well-made proof and returns the RFC 7638 thumbprint jose computes', async () => {
    const { key, proof, check } = await setup();
    const result = check(await proof());
    assert.equal(result.jkt, key.jkt);
  });

  it('accepts every allowed algorithm, and the thumbprint matches jose for each key type', async () => {
    for (const alg of ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256']) {
      const { checker, iat } = await setup();
      const key = await createTestDpopKey(alg);
      const proofText = await makeTestDpopProof(key, { htm: 'POST', htu: URL_, iat });
      assert.equal(checker.check({ proof: proofText, method: 'POST', url: URL_ }).jkt, key.jkt, alg);
      assert.equal(computeJwkThumbprint(key.jwk as Record<string, unknown>), key.jkt, alg);
    }
  });

  it('refuses a missing proof, two DPoP headers, and a proof that is not a compact JWS', async () => {
    const { proof, check } = await setup();
    refused(() => check(undefined), /no DPoP proof/);
    refused(() => check([]), /no DPoP proof/);
    const good = await proof();
    refused(() => check([good, good]), /more than one/);
    refused(() => check('a.b'), /compact JWS/);
    refused(() => check('x'.repeat(9000)), /too large/);
  });

  it('refuses another key, wrong htm, wrong htu, stale or future iat, missing or wrong ath', async () => {
    const { proof, check, iat } = await setup();
    const other = await createTestDpopKey();
    const cases: [string, Promise<string>, RegExp][] = [
      ['another key', proof({}, other), /not the key the token is bound to/],
      ['wrong htm', proof({ htm: 'POST' }), /htm/],
      ['lower-case htm', proof({ htm: 'get' }), /htm/],
      ['wrong htu host', proof({ htu: 'https://evil.example.com/orders' }), /htu/],
      ['wrong htu path', proof({ htu: 'https://api.example.com/orders/1' }), /htu/],
      ['wrong htu scheme', proof({ htu: 'http://api.example.com/orders' }), /htu/],
      ['htu not a URL', proof({ htu: 'orders' }), /htu/],
      ['stale iat', proof({ iat: iat - 61 }), /too old/],
      ['future iat', proof({ iat: iat + 6 }), /future/],
      ['no iat', proof({ payload: { iat: undefined } }), /iat/],
      ['no ath', proof({ accessToken: undefined }), /ath/],
      ['wrong ath', proof({ accessToken: `${TOKEN}x` }), /ath/],
      ['no jti', proof({ payload: { jti: undefined } }), /jti/],
      ['typ JWT', proof({ header: { typ: 'JWT' } }), /typ/],
      ['no typ', proof({ header: { typ: undefined } }), /typ/],
      ['a kid beside the jwk', proof({ header: { kid: 'k1' } }), /header parameter/],
      ['no jwk', proof({ header: { jwk: undefined } }), /jwk/],
    ];
    for (const [name, made, reason] of cases) {
      const text = await made;
      refused(() => check(text), reason);
      void name;
    }
  });

  it('compares htu after RFC 3986 normalisation, without query or fragment', async () => {
    const { proof, check } = await setup();
    for (const htu of [
      'HTTPS://API.example.com/orders',
      'https://api.example.com:443/orders',
      'https://api.example.com/orders?page=2',
      'https://api.example.com/orders#top',
      'https://api.example.com/./orders',
      'https://api.example.com/%6Frders',
    ]) {
      check(await proof({ htu }));
    }
    assert.equal(normalizeHtu('https://a.example/%7e%2f'), 'https://a.example/~%2F');
    assert.equal(normalizeHtu('https://a.example'), 'https://a.example/');
    assert.equal(normalizeHtu('https://user:pw@a.example/'), null);
    assert.equal(normalizeHtu('ftp://a.example/'), null);
  });

  it('refuses alg none, HS256 (even keyed with the public key) and algorithms off the allowlist', async () => {
    const { check, key, iat } = await setup();
    const payload = { jti: 'j1', htm: 'GET', htu: URL_, iat, ath: 'x' };
    refused(() => check(encodeTestJws({ typ: 'dpop+jwt', alg: 'none', jwk: key.jwk }, payload)), /algorithm/);
    refused(() => check(encodeTestJws({ typ: 'dpop+jwt', alg: 'NONE', jwk: key.jwk }, payload)), /algorithm/);
    const hsInput = `${Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'HS256', jwk: key.jwk })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    const mac = createHmac('sha256', JSON.stringify(key.jwk)).update(hsInput).digest('base64url');
    refused(() => check(`${hsInput}.${mac}`), /algorithm/);
    refused(
      () => check(encodeTestJws({ typ: 'dpop+jwt', alg: 'RS512', jwk: key.jwk }, payload, 'AAAA')),
      /algorithm/,
    );
    const es256Only = createDpopProofChecker({ algorithms: ['ES256'] });
    const ed = await createTestDpopKey('EdDSA');
    refused(
      () =>
        es256Only.check({
          proof: encodeTestJws({ typ: 'dpop+jwt', alg: 'EdDSA', jwk: ed.jwk }, payload, 'AA'),
          method: 'GET',
          url: URL_,
        }),
      /algorithm/,
    );
  });

  it('refuses a jwk holding a private key, and a jwk that does not fit the algorithm', async () => {
    const { check, iat, key } = await setup();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateJwk = await exportJWK(privateKey);
    const signer = { ...key, jwk: privateJwk };
    refused(
      () =>
        check(
          encodeTestJws(
            { typ: 'dpop+jwt', alg: 'ES256', jwk: privateJwk },
            { jti: 'a', htm: 'GET', htu: URL_, iat },
            'AA',
          ),
        ),
      /private/,
    );
    const withPrivate = await makeTestDpopProof(signer, { htm: 'GET', htu: URL_, iat, accessToken: TOKEN });
    refused(() => check(withPrivate), /private/);
    refused(
      () => check(encodeTestJws({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty: 'oct', k: 'AAAA' } }, {}, 'AA')),
      /private/,
    );
    const ed = await createTestDpopKey('EdDSA');
    refused(() => check(encodeTestJws({ typ: 'dpop+jwt', alg: 'ES256', jwk: ed.jwk }, {}, 'AA')), /fit/);
    const small = await exportJWK(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey);
    refused(() => check(encodeTestJws({ typ: 'dpop+jwt', alg: 'RS256', jwk: small }, {}, 'AA')), /fit/);
  });

  it('refuses a tampered payload and an ES256 signature of zeros', async () => {
    const { check, proof } = await setup();
    const good = await proof();
    const [h, , s] = good.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ jti: 'z', htm: 'GET', htu: URL_, iat: 0 })).toString(
      'base64url',
    );
    refused(() => check(`${h}.${forgedPayload}.${s}`), /signature/);
    const [h2, p2] = (await proof()).split('.');
    refused(() => check(`${h2}.${p2}.${Buffer.alloc(64).toString('base64url')}`), /signature/);
  });

  it('refuses a replayed jti within the window, per checker instance', async () => {
    const { proof, check, clock, key } = await setup();
    const once = await proof({ jti: 'same' });
    check(once);
    refused(() => check(once), /replayed/);
    // A new proof with the same jti is a replay too, even with another signature.
    const again = await proof({ jti: 'same' });
    refused(() => check(again), /replayed/);
    // Another checker (another verifier process) has its own memory: documented, per instance.
    const elsewhere = createDpopProofChecker({ clock });
    assert.equal(elsewhere.check({ proof: once, method: 'GET', url: URL_, accessToken: TOKEN }).jkt, key.jkt);
  });

  it('keeps the replay cache bounded, forgetting the oldest entries first', async () => {
    const clock = createManualClock();
    const checker = createDpopProofChecker({ clock, replayCacheSize: 2 });
    const key = await createTestDpopKey();
    const iat = Math.floor(clock.now() / 1000);
    const proofs = await Promise.all(
      ['a', 'b', 'c'].map((jti) => makeTestDpopProof(key, { htm: 'GET', htu: URL_, iat, jti })),
    );
    for (const text of proofs) checker.check({ proof: text, method: 'GET', url: URL_ });
    refused(() => checker.check({ proof: proofs[2], method: 'GET', url: URL_ }), /replayed/);
    // 'a' fell out when 'c' came in: the price of a bounded cache, documented.
    checker.check({ proof: proofs[0], method: 'GET', url: URL_ });
  });

  it('requires the server nonce when nonces are configured, answering ERR_DPOP_NONCE', async () => {
    const clock = createManualClock();
    const nonces = createDpopNonces({ secret: randomBytes(32), clock, lifetimeSeconds: 60 });
    const checker = createDpopProofChecker({ clock, nonces });
    const key = await createTestDpopKey();
    const iat = Math.floor(clock.now() / 1000);
    const make = (nonce?: string) =>
      makeTestDpopProof(key, { htm: 'POST', htu: URL_, iat, ...(nonce ? { nonce } : {}) });
    refused(() => checker.check({ proof: undefined, method: 'POST', url: URL_ }), /no DPoP/);
    const without = await make();
    refused(() => checker.check({ proof: without, method: 'POST', url: URL_ }), /nonce/, 'ERR_DPOP_NONCE');
    const wrong = await make('x'.repeat(43));
    refused(() => checker.check({ proof: wrong, method: 'POST', url: URL_ }), /nonce/, 'ERR_DPOP_NONCE');
    const current = nonces.current();
    checker.check({ proof: await make(current), method: 'POST', url: URL_ });
    clock.advance(121_000);
    assert.equal(nonces.isValid(current), false, 'two windows later the nonce is stale');
  });

  it('computes thumbprints like jose for the RFC 7638 §3.1 example key', async () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    assert.equal(computeJwkThumbprint(jwk), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    assert.equal(computeJwkThumbprint(jwk), await calculateJwkThumbprint(jwk));
    assert.equal(computeJwkThumbprint({ kty: 'oct', k: 'x' }), null);
  });
});
