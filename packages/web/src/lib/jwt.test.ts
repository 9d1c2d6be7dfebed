import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLAIMS, decodeJwt, HEADER_PARAMETERS, JwtDecodeError, lintJwt } from './jwt.js';

const segment = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const NOW = Date.UTC(2026, 0, 1);
const token = (header: unknown, payload: unknown, signature = 'c2ln') =>
  `${segment(header)}.${segment(payload)}.${signature}`;

describe('decodeJwt (web)', () => {
  it('splits and decodes header and claims; Bearer prefix and whitespace tolerated', () => {
    const claims = { iss: 'https://auth.test', sub: 'u1', exp: NOW / 1000 + 60, name: 'Zoë' };
    const decoded = decodeJwt(`  Bearer ${token({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }, claims)}\n`);
    assert.deepEqual(decoded.header, { alg: 'ES256', kid: 'k1', typ: 'at+jwt' });
    assert.deepEqual(decoded.payload, claims);
    assert.equal(decoded.signature, 'c2ln');
    assert.equal(
      decoded.signingInput,
      `${segment({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })}.${segment(claims)}`,
    );
  });

  it('keeps a payload that is not a JSON object as text', () => {
    const decoded = decodeJwt(token({ alg: 'HS256' }, 'just text'));
    assert.equal(decoded.payload, null);
    assert.equal(decoded.payloadText, 'just text');
    assert.equal(decodeJwt(token({ alg: 'HS256' }, [1, 2])).payload, null);
  });

  it('explains what is wrong with input that is not a JWS', () => {
    const cases: [string, RegExp][] = [
      ['', /Paste a token/],
      ['a.b', /three parts.*has 2/],
      ['a.b.c.d.e', /JWE/],
      [`${segment('not json')}.${segment({})}.x`, /header is not JSON/],
      [`${segment([1])}.${segment({})}.x`, /header is not a JSON object/],
      [`a+b.${segment({})}.x`, /header is not base64url/],
      [
        `${segment({ alg: 'none' })}.${Buffer.from([0xff, 0xfe]).toString('base64url')}.x`,
        /payload is not UTF-8/,
      ],
      [`${segment({ alg: 'none' })}.${segment({})}.x/y`, /signature is not base64url/],
    ];
    for (const [input, message] of cases)
      assert.throws(
        () => decodeJwt(input),
        (error) => error instanceof JwtDecodeError && message.test(error.message),
        input,
      );
  });

  it('documents every claim and header parameter the decoder promises', () => {
    for (const name of ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'sid'])
      assert.ok(CLAIMS[name]?.text, name);
    for (const name of ['alg', 'kid', 'typ']) assert.ok(HEADER_PARAMETERS[name]?.text, name);
  });

  it('lints what a verifier would refuse', () => {
    const lint = (header: unknown, payload: unknown, signature?: string) =>
      lintJwt(decodeJwt(token(header, payload, signature)), NOW);
    assert.deepEqual(lint({ alg: 'ES256', typ: 'at+jwt' }, { exp: NOW / 1000 + 60 }), []);
    assert.ok(lint({ alg: 'none' }, { exp: NOW / 1000 + 60 }, '').some((w) => /unsigned/.test(w)));
    assert.ok(
      lint({ alg: 'ES256', jku: 'https://evil' }, { exp: NOW / 1000 + 60 }).some((w) => /"jku"/.test(w)),
    );
    assert.ok(lint({ alg: 'ES256' }, { exp: NOW / 1000 - 1 }).includes('Expired.'));
    assert.ok(lint({ alg: 'ES256' }, {}).some((w) => /never expires/.test(w)));
    // A time claim the page cannot show is a decode error, not a warning: no half-shown token.
    for (const exp of ['soon', null, 8.64e12 + 1, -8.64e12 - 1])
      assert.throws(
        () => decodeJwt(token({ alg: 'ES256' }, { exp })),
        (error) => error instanceof JwtDecodeError && /"exp"/.test(error.message),
        String(exp),
      );
    assert.throws(() => decodeJwt(token({ alg: 'ES256' }, { sub: 'x', iat: 'yesterday' })), JwtDecodeError);
    assert.ok(
      lint({ alg: 'ES256' }, { exp: NOW / 1000 + 60, nbf: NOW / 1000 + 30 }).some((w) =>
        /Not valid yet/.test(w),
      ),
    );
    assert.ok(lint({ alg: 'ES256', typ: 'id+jwt' }, { exp: NOW / 1000 + 60 }).some((w) => /typ/.test(w)));
    assert.ok(lint({}, { exp: NOW / 1000 + 60 }).some((w) => /No "alg"/.test(w)));
  });
});
