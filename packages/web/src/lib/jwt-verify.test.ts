import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeJwt } from './jwt.js';
import { KeyInputError, parseKeyInput, verifySignature } from './jwt-verify.js';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signToken(alg: string, key: KeyObject | Buffer, kid = 'k1', claims: object = { sub: 'u1' }): string {
  const input = `${b64url({ alg, kid, typ: 'at+jwt' })}.${b64url(claims)}`;
  let signature: Buffer;
  if (alg === 'HS256')
    signature = createHmac('sha256', key as Buffer)
      .update(input)
      .digest();
  else if (alg === 'ES256')
    signature = sign('sha256', Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  else if (alg === 'EdDSA') signature = sign(null, Buffer.from(input), key as KeyObject);
  else signature = sign('sha256', Buffer.from(input), key as KeyObject);
  return `${input}.${signature.toString('base64url')}`;
}

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwkOf = (key: KeyObject, extra: object = {}) =>
  JSON.stringify({ ...key.export({ format: 'jwk' }), ...extra });
const pemOf = (key: KeyObject) => String(key.export({ format: 'pem', type: 'spki' }));

describe('verifySignature (web, WebCrypto)', () => {
  it('verifies ES256, EdDSA, RS256 and HS256 with a JWK, and ES256/RS256 with a PEM', async () => {
    const secret = Buffer.alloc(32, 7);
    const cases: [string, KeyObject | Buffer, string][] = [
      ['ES256', ec.privateKey, jwkOf(ec.publicKey, { kid: 'k1', alg: 'ES256' })],
      ['EdDSA', ed.privateKey, jwkOf(ed.publicKey)],
      ['RS256', rsa.privateKey, jwkOf(rsa.publicKey)],
      ['HS256', secret, JSON.stringify({ kty: 'oct', k: secret.toString('base64url') })],
      ['ES256', ec.privateKey, pemOf(ec.publicKey)],
      ['RS256', rsa.privateKey, pemOf(rsa.publicKey)],
    ];
    for (const [alg, signingKey, keyText] of cases) {
      const token = signToken(alg, signingKey);
      const decoded = decodeJwt(token);
      assert.equal(
        await verifySignature(decoded, parseKeyInput(keyText, 'k1')),
        true,
        `${alg} ${keyText.slice(0, 12)}`,
      );
      const [header, , signature] = token.split('.');
      const forged = decodeJwt(`${header}.${b64url({ sub: 'admin' })}.${signature}`);
      assert.equal(await verifySignature(forged, parseKeyInput(keyText, 'k1')), false, `${alg} forged`);
    }
  });

  it('picks the key from a JWK Set by kid', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const set = JSON.stringify({
      keys: [
        JSON.parse(jwkOf(other.publicKey, { kid: 'k0' })),
        JSON.parse(jwkOf(ec.publicKey, { kid: 'k1' })),
      ],
    });
    const decoded = decodeJwt(signToken('ES256', ec.privateKey, 'k1'));
    assert.equal(await verifySignature(decoded, parseKeyInput(set, 'k1')), true);
    assert.throws(() => parseKeyInput(set, 'k9'), /No key with kid "k9"/);
    assert.throws(() => parseKeyInput(set, undefined), /several keys/);
  });

  it('the key decides: a token cannot make a public key act as an HMAC secret, nor pick none', async () => {
    // Algorithm confusion: HS256 "signed" with the public key's JWK text as the secret.
    const publicJwk = jwkOf(ec.publicKey);
    const confused = decodeJwt(signToken('HS256', Buffer.from(publicJwk)));
    await assert.rejects(verifySignature(confused, parseKeyInput(publicJwk, 'k1')), KeyInputError);
    await assert.rejects(verifySignature(confused, parseKeyInput(pemOf(ec.publicKey), 'k1')), KeyInputError);
    const rsaToken = decodeJwt(signToken('RS256', rsa.privateKey));
    await assert.rejects(
      verifySignature(rsaToken, parseKeyInput(pemOf(ec.publicKey), 'k1')),
      /cannot verify RS256/,
    );
    await assert.rejects(
      verifySignature(rsaToken, parseKeyInput(jwkOf(rsa.publicKey, { alg: 'PS256' }), 'k1')),
      /for PS256/,
    );
    const none = decodeJwt(`${b64url({ alg: 'none' })}.${b64url({ sub: 'u1' })}.`);
    await assert.rejects(verifySignature(none, parseKeyInput(publicJwk, 'k1')), /nothing to verify/);
  });

  it('a pasted private JWK verifies as its public half', async () => {
    const decoded = decodeJwt(signToken('ES256', ec.privateKey));
    const privateJwk = JSON.stringify(ec.privateKey.export({ format: 'jwk' }));
    assert.equal(await verifySignature(decoded, parseKeyInput(privateJwk, 'k1')), true);
  });

  it('explains key input it cannot read', () => {
    for (const [text, message] of [
      ['', /Paste a key/],
      ['hello', /Not JSON and not PEM/],
      ['[1]', /JSON object/],
      ['{"x":1}', /needs "kty"/],
      ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', /not supported/],
      ['-----BEGIN PUBLIC KEY-----\nAAAA', /malformed/],
    ] as const) {
      assert.throws(
        () => parseKeyInput(text, 'k1'),
        (error) => error instanceof KeyInputError && message.test(error.message),
        text,
      );
    }
  });
});
