import {
  createHmac,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import type { SigningAlgorithm } from '../store/types.ts';

export type JsonObject = Record<string, unknown>;

/** A key that signs test tokens, with the key that verifies them (the same secret for HS256). */
export interface TestSigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  verificationKey: KeyObject;
}

export function generateTestSigningKey(alg: SigningAlgorithm, kid: string): TestSigningKey {
  if (alg === 'HS256') {
    const secret = createSecretKey(randomBytes(32));
    return { kid, alg, privateKey: secret, verificationKey: secret };
  }
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg, privateKey: pair.privateKey, verificationKey: pair.publicKey };
}

/** One key per algorithm, with the kids `es-key`, `ed-key`, `rs-key` and `hs-key`. */
export function generateTestSigningKeys(): Record<SigningAlgorithm, TestSigningKey> {
  return {
    ES256: generateTestSigningKey('ES256', 'es-key'),
    EdDSA: generateTestSigningKey('EdDSA', 'ed-key'),
    RS256: generateTestSigningKey('RS256', 'rs-key'),
    HS256: generateTestSigningKey('HS256', 'hs-key'),
  };
}

/** JSON, base64url-encoded as a JWS segment. */
export function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Signs `header.payload` with node:crypto directly, so tests can produce any header or claims. */
export function signJwsInput(alg: SigningAlgorithm, key: KeyObject, input: string): string {
  const data = Buffer.from(input);
  switch (alg) {
    case 'HS256':
      return createHmac('sha256', key).update(data).digest('base64url');
    case 'ES256':
      return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    case 'EdDSA':
      return sign(null, data, key).toString('base64url');
    case 'RS256':
      return sign('sha256', data, key).toString('base64url');
  }
}

export interface TokenForgerOptions {
  issuer: string;
  audience: string;
  /** `iat` of the default claims; `exp` is 600 s later. */
  nowSeconds: number;
  /** Signs by default; a verifier under test should trust it. */
  key: TestSigningKey;
}

export interface TokenForger extends TokenForgerOptions {
  /** Valid claims (`iss aud sub sid jti iat exp`); an override set to `undefined` drops that claim. */
  claims(overrides?: JsonObject): JsonObject;
  /** A correctly signed token; `header` overrides the default `{ alg, kid, typ: 'at+jwt' }`. */
  token(options?: { key?: TestSigningKey; header?: JsonObject; payload?: JsonObject }): string;
}

/** Builds access tokens with any header and claims, signed for real, for negative tests of a verifier. */
export function createTokenForger(options: TokenForgerOptions): TokenForger {
  const { issuer, audience, nowSeconds } = options;
  const claims = (overrides: JsonObject = {}): JsonObject => ({
    iss: issuer,
    aud: audience,
    sub: 'user-1',
    sid: 'session-1',
    jti: 'token-1',
    iat: nowSeconds,
    exp: nowSeconds + 600,
    ...overrides,
  });
  return {
    ...options,
    claims,
    token({ key = options.key, header, payload } = {}) {
      const protectedHeader = { alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header };
      const input = `${encodeSegment(protectedHeader)}.${encodeSegment(payload ?? claims())}`;
      return `${input}.${signJwsInput(key.alg, key.privateKey, input)}`;
    },
  };
}
