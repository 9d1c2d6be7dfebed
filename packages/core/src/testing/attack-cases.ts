import { createSecretKey, randomBytes, sign } from 'node:crypto';
import type { ErrorCode } from '../errors.ts';
import { systemRandom } from '../random.ts';
import { generateRefreshToken } from '../refresh/refresh-token.ts';
import { generateSessionToken } from '../session/session-token.ts';
import {
  encodeSegment,
  generateTestSigningKey,
  type JsonObject,
  signJwsInput,
  type TestSigningKey,
  type TokenForger,
} from './token-forger.ts';

/** What every family of attack cases works from: a valid token, its parts, and where cases go. */
export interface CatalogueContext {
  forger: TokenForger;
  victims: readonly TestSigningKey[];
  attackerOrigin: string;
  /** The forger's key, the one the verifier trusts. */
  trusted: TestSigningKey;
  /** The forger's `nowSeconds`. */
  now: number;
  claims: TokenForger['claims'];
  token: TokenForger['token'];
  /** A correctly signed token and its three segments; `input` is `header.payload`. */
  valid: string;
  header: string;
  payload: string;
  signature: string;
  input: string;
  add(name: string, token: string, code: ErrorCode): void;
}

/** The families in catalogue order. */
export const ATTACK_FAMILIES: ReadonlyArray<(context: CatalogueContext) => void> = [
  algNoneCases,
  signatureCases,
  keyConfusionCases,
  headerCases,
  kidCases,
  structureCases,
  encodingCases,
  otherCredentialCases,
  timeClaimCases,
  identityClaimCases,
];

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A short label for a test name. */
function show(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string' && value.length > 32) return `of ${value.length} characters`;
  return JSON.stringify(value).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Adds a case of a correctly signed token with the default claims changed by `overrides`. */
function claimsCaseAdder({ add, token, claims }: CatalogueContext) {
  return (name: string, overrides: JsonObject, code: ErrorCode) =>
    add(name, token({ payload: claims(overrides) }), code);
}

/** `alg: none` in any spelling, with or without a signature. */
function algNoneCases(context: CatalogueContext): void {
  const { trusted, claims, add } = context;
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    const unsigned = `${encodeSegment({ alg, kid: trusted.kid, typ: 'at+jwt' })}.${encodeSegment(claims())}`;
    add(`alg ${alg} without a signature`, `${unsigned}.`, 'ERR_TOKEN_ALG');
    add(
      `alg ${alg} with a signature`,
      `${unsigned}.${signJwsInput(trusted.alg, trusted.privateKey, unsigned)}`,
      'ERR_TOKEN_ALG',
    );
  }
}

/** Stripped, altered and degenerate ES256 signatures. */
function signatureCases(context: CatalogueContext): void {
  const { trusted, claims, header, signature, input, add } = context;
  const flipped = Buffer.from(signature, 'base64url');
  flipped[10]! ^= 0x01;
  const random = randomBytes(32);
  add('stripped signature', `${input}.`, 'ERR_TOKEN_SIGNATURE');
  add('altered signature', `${input}.${flipped.toString('base64url')}`, 'ERR_TOKEN_SIGNATURE');
  add(
    'altered payload',
    `${header}.${encodeSegment(claims({ sub: 'admin' }))}.${signature}`,
    'ERR_TOKEN_SIGNATURE',
  );
  add(
    'all-zero ES256 signature',
    `${input}.${Buffer.alloc(64).toString('base64url')}`,
    'ERR_TOKEN_SIGNATURE',
  );
  add(
    'ES256 signature with r = 0',
    `${input}.${Buffer.concat([Buffer.alloc(32), random]).toString('base64url')}`,
    'ERR_TOKEN_SIGNATURE',
  );
  add(
    'ES256 signature with s = 0',
    `${input}.${Buffer.concat([random, Buffer.alloc(32)]).toString('base64url')}`,
    'ERR_TOKEN_SIGNATURE',
  );
  add(
    'DER-encoded ES256 signature',
    `${input}.${sign('sha256', Buffer.from(input), trusted.privateKey).toString('base64url')}`,
    'ERR_TOKEN_SIGNATURE',
  );
}

/** Algorithm confusion: a trusted public key used as an HMAC secret, or another key under its kid. */
function keyConfusionCases(context: CatalogueContext): void {
  const { trusted, victims, token, add } = context;
  for (const victim of [trusted, ...victims]) {
    const publicKey = victim.verificationKey;
    const forms: Record<string, Buffer> = {
      'PEM (SPKI)': Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })),
      DER: publicKey.export({ type: 'spki', format: 'der' }),
      'JWK (JSON)': Buffer.from(JSON.stringify(publicKey.export({ format: 'jwk' }))),
    };
    for (const [form, bytes] of Object.entries(forms)) {
      const hmacKey = { ...victim, alg: 'HS256' as const, privateKey: createSecretKey(bytes) };
      add(
        `${victim.alg}→HS256 keyed with the public key as ${form}`,
        token({ key: hmacKey }),
        'ERR_TOKEN_ALG',
      );
    }
    if (victim !== trusted) {
      add(
        `${victim.alg} signature under the ${trusted.alg} key's kid`,
        token({ key: { ...victim, kid: trusted.kid } }),
        'ERR_TOKEN_ALG',
      );
    }
  }
}

/** Headers that carry keys, extensions or encryption, and every wrong `typ`. */
function headerCases(context: CatalogueContext): void {
  const { attackerOrigin, trusted, now, token, add } = context;
  const attacker = generateTestSigningKey('ES256', trusted.kid);
  const embedded: Record<string, JsonObject> = {
    jwk: { jwk: attacker.verificationKey.export({ format: 'jwk' }) },
    x5c: { x5c: ['MIIBszCCAVmgAwIBAgIUQ'] },
    jku: { jku: `${attackerOrigin}/jwks.json` },
    x5u: { x5u: `${attackerOrigin}/cert.pem` },
    x5t: { x5t: 'dGh1bWJwcmludA' },
    crit: { crit: ['exp'], exp: now },
    'b64: false': { b64: false, crit: ['b64'] },
    zip: { zip: 'DEF' },
    enc: { enc: 'A256GCM' },
    // Computed key: an own "__proto__" member, as JSON.parse creates one, not a prototype.
    'own __proto__': { ['__proto__']: { alg: 'none' } },
  };
  for (const [name, extra] of Object.entries(embedded)) {
    add(
      `header ${name}, signed by the attacker`,
      token({ key: attacker, header: extra }),
      'ERR_TOKEN_HEADER',
    );
  }
  for (const typ of ['JWT', 'jwt', 'dpop+jwt', 'at+jwt ', '', 1, null, undefined]) {
    add(`typ ${show(typ)}`, token({ header: { typ } }), 'ERR_TOKEN_HEADER');
  }
}

/** Injected, odd, oversized and unknown kids. */
function kidCases(context: CatalogueContext): void {
  const { token, add } = context;
  for (const kid of ['../../etc/passwd', "' OR 1=1 --", 'a.b', 'é', 7, { $ne: null }, null, undefined]) {
    add(`kid ${show(kid)}`, token({ header: { kid } }), 'ERR_TOKEN_KID');
  }
  add('kid of 10 KB', token({ header: { kid: 'k'.repeat(10_240) } }), 'ERR_TOKEN_TOO_LARGE');
  add('unknown kid', token({ header: { kid: 'unknown' } }), 'ERR_TOKEN_KID');
}

/** The wrong number of segments, JWE and the JSON serialization. */
function structureCases(context: CatalogueContext): void {
  const { trusted, valid, header, payload, signature, input, add } = context;
  add('2 segments', input, 'ERR_TOKEN_MALFORMED');
  add('4 segments', `${valid}.${signature}`, 'ERR_TOKEN_MALFORMED');
  const jweHeader = encodeSegment({ alg: 'dir', enc: 'A256GCM', kid: trusted.kid, typ: 'at+jwt' });
  add(
    '5 segments (JWE)',
    `${jweHeader}..${encodeSegment('iv')}.${payload}.${encodeSegment('tag')}`,
    'ERR_TOKEN_MALFORMED',
  );
  add('JSON serialization', JSON.stringify({ payload, protected: header, signature }), 'ERR_TOKEN_MALFORMED');
}

/** Second spellings of base64url, and segments that are not a JSON object in UTF-8. */
function encodingCases(context: CatalogueContext): void {
  const { valid, header, payload, signature, input, add } = context;
  const padded = (text: string) => text + '='.repeat((4 - (text.length % 4)) % 4 || 1);
  // 64 bytes take 86 characters, the last with 4 unused bits: setting one is a second spelling.
  const sloppy = ALPHABET[ALPHABET.indexOf(signature.at(-1)!) | 1]!;
  const standardAlphabet = `${header.replaceAll('-', '+').replaceAll('_', '/')}x+/`;
  const encodings: Record<string, string> = {
    'padded header': `${padded(header)}.${payload}.${signature}`,
    'padded signature': `${input}.${padded(signature)}`,
    'signature with a trailing =': `${valid}=`,
    'leading space': ` ${valid}`,
    'trailing newline': `${valid}\n`,
    'space inside the payload': `${header}.${payload.slice(0, 10)} ${payload.slice(10)}.${signature}`,
    'tab inside the signature': `${input}.${signature.slice(0, 20)}\t${signature.slice(20)}`,
    'standard base64 alphabet': `${standardAlphabet}.${payload}.${signature}`,
    'non-canonical trailing bits': `${input}.${signature.slice(0, -1)}${sloppy}`,
  };
  for (const [name, value] of Object.entries(encodings)) add(name, value, 'ERR_TOKEN_MALFORMED');

  for (const bad of ['[]', 'null', '"text"', '1', '{"alg":', '\uFEFF{}']) {
    const segment = Buffer.from(bad).toString('base64url');
    add(`header ${JSON.stringify(bad)}`, `${segment}.${payload}.${signature}`, 'ERR_TOKEN_MALFORMED');
    add(`payload ${JSON.stringify(bad)}`, `${header}.${segment}.${signature}`, 'ERR_TOKEN_MALFORMED');
  }
  const invalidUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64url');
  add('header not UTF-8', `${invalidUtf8}.${payload}.${signature}`, 'ERR_TOKEN_MALFORMED');
}

/** Other credentials, empty strings and oversized input. */
function otherCredentialCases(context: CatalogueContext): void {
  const { claims, token, add } = context;
  add('a refresh token', generateRefreshToken(systemRandom), 'ERR_TOKEN_MALFORMED');
  add('a session token (id.secret)', generateSessionToken(systemRandom).value, 'ERR_TOKEN_MALFORMED');
  add('empty string', '', 'ERR_TOKEN_MALFORMED');
  add('only dots', '..', 'ERR_TOKEN_MALFORMED');
  add('9 KB token', token({ payload: claims({ pad: 'x'.repeat(9 * 1024) }) }), 'ERR_TOKEN_TOO_LARGE');
  add('9 KB of junk', 'x'.repeat(9 * 1024), 'ERR_TOKEN_TOO_LARGE');
}

/** Expired, not yet valid and ill-typed time claims. */
function timeClaimCases(context: CatalogueContext): void {
  const { trusted, now, claims, header, add } = context;
  const withClaims = claimsCaseAdder(context);
  withClaims('expired', { iat: now - 700, exp: now - 100 }, 'ERR_TOKEN_EXPIRED');
  withClaims('nbf in the future', { nbf: now + 120 }, 'ERR_TOKEN_NOT_YET_VALID');
  withClaims('iat in the future', { iat: now + 120 }, 'ERR_TOKEN_NOT_YET_VALID');
  withClaims('exp missing', { exp: undefined }, 'ERR_TOKEN_CLAIMS');
  withClaims('iat missing', { iat: undefined }, 'ERR_TOKEN_CLAIMS');
  withClaims('exp as a string', { exp: String(now + 600) }, 'ERR_TOKEN_CLAIMS');
  withClaims('iat null', { iat: null }, 'ERR_TOKEN_CLAIMS');
  withClaims('nbf not a number', { nbf: 'soon' }, 'ERR_TOKEN_CLAIMS');
  // JSON.parse turns 1e400 into Infinity: a token that would never expire.
  const neverExpires = `${header}.${Buffer.from(
    JSON.stringify(claims()).replace(/"exp":\d+/, '"exp":1e400'),
  ).toString('base64url')}`;
  add(
    'exp 1e400 (Infinity)',
    `${neverExpires}.${signJwsInput(trusted.alg, trusted.privateKey, neverExpires)}`,
    'ERR_TOKEN_CLAIMS',
  );
}

/** Wrong issuer, audience, subject, session, token id and roles. */
function identityClaimCases(context: CatalogueContext): void {
  const { forger } = context;
  const withClaims = claimsCaseAdder(context);
  for (const iss of ['https://evil.example.com', `${forger.issuer}/`, undefined, [forger.issuer]]) {
    withClaims(`iss ${show(iss)}`, { iss }, 'ERR_TOKEN_CLAIMS');
  }
  const aud = forger.audience;
  for (const value of [
    'other',
    aud.toUpperCase(),
    undefined,
    [],
    ['other'],
    [[aud]],
    [{ aud }],
    [aud, { x: 1 }],
    [aud, 1],
  ]) {
    withClaims(`aud ${show(value)}`, { aud: value }, 'ERR_TOKEN_CLAIMS');
  }
  for (const name of ['sub', 'sid', 'jti']) {
    for (const value of [undefined, '', 12, ['x'], 'x'.repeat(257)]) {
      withClaims(`${name} ${show(value)}`, { [name]: value }, 'ERR_TOKEN_CLAIMS');
    }
  }
  for (const roles of ['admin', null, [1], [['admin']], { 0: 'admin' }]) {
    withClaims(`roles ${show(roles)}`, { roles }, 'ERR_TOKEN_CLAIMS');
  }
}
