// @ts-check
import { base64ToBytes } from './base64.js';

/**
 * Signature checks with WebCrypto, in the page. The algorithm is read from the token's header but
 * only used when it fits the key: the key decides what it can verify (RFC 8725 §3.1), so a token
 * cannot talk an RSA or EC public key into being used as an HMAC secret.
 *
 * @typedef {import('./jwt.js').DecodedJwt} DecodedJwt
 * @typedef {{ kind: 'jwk', jwk: JsonWebKey & { kid?: string, alg?: string } } | { kind: 'spki', der: Uint8Array<ArrayBuffer> }} VerificationKey
 */

/** Thrown when a key cannot be read or cannot verify this token. */
export class KeyInputError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'KeyInputError';
  }
}

/**
 * @typedef {{ kty: string, importParams: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams | HmacImportParams,
 *   verifyParams: AlgorithmIdentifier | EcdsaParams | RsaPssParams }} AlgorithmSpec
 */

/** @type {Readonly<Record<string, AlgorithmSpec>>} */
const ALGORITHMS = {
  ES256: {
    kty: 'EC',
    importParams: { name: 'ECDSA', namedCurve: 'P-256' },
    verifyParams: { name: 'ECDSA', hash: 'SHA-256' },
  },
  ES384: {
    kty: 'EC',
    importParams: { name: 'ECDSA', namedCurve: 'P-384' },
    verifyParams: { name: 'ECDSA', hash: 'SHA-384' },
  },
  ES512: {
    kty: 'EC',
    importParams: { name: 'ECDSA', namedCurve: 'P-521' },
    verifyParams: { name: 'ECDSA', hash: 'SHA-512' },
  },
  RS256: {
    kty: 'RSA',
    importParams: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    verifyParams: { name: 'RSASSA-PKCS1-v1_5' },
  },
  PS256: {
    kty: 'RSA',
    importParams: { name: 'RSA-PSS', hash: 'SHA-256' },
    verifyParams: { name: 'RSA-PSS', saltLength: 32 },
  },
  EdDSA: { kty: 'OKP', importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' } },
  Ed25519: { kty: 'OKP', importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' } },
  HS256: { kty: 'oct', importParams: { name: 'HMAC', hash: 'SHA-256' }, verifyParams: { name: 'HMAC' } },
};

const PEM = /^-----BEGIN ([A-Z ]+)-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END \1-----\s*$/;

/** @param {unknown} value @returns {value is Record<string, unknown>} */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads what the user pasted: a JWK, a JWK Set (the key is picked by the token's `kid`), or a PEM
 * public key (SPKI, "BEGIN PUBLIC KEY").
 *
 * @param {string} text
 * @param {string | undefined} kid the token's `kid`, to pick a key from a set
 * @returns {VerificationKey}
 */
export function parseKeyInput(text, kid) {
  const trimmed = text.trim();
  if (trimmed === '') throw new KeyInputError('Paste a key first.');
  if (trimmed.startsWith('-----BEGIN')) {
    const match = PEM.exec(trimmed);
    if (!match) throw new KeyInputError('That PEM block is malformed.');
    if (match[1] !== 'PUBLIC KEY')
      throw new KeyInputError(
        `A "${match[1]}" block is not supported: paste the public key ("BEGIN PUBLIC KEY") or a JWK.`,
      );
    const bytes = base64ToBytes(match[2] ?? '');
    const der = new Uint8Array(new ArrayBuffer(bytes.length));
    der.set(bytes);
    return { kind: 'spki', der };
  }
  let parsed;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new KeyInputError('Not JSON and not PEM: paste a JWK, a JWK Set or a PEM public key.');
  }
  if (!isObject(parsed)) throw new KeyInputError('A JWK is a JSON object.');
  return { kind: 'jwk', jwk: pickJwk(parsed, kid) };
}

/**
 * @param {Record<string, unknown>} parsed a JWK or a JWK Set
 * @param {string | undefined} kid
 * @returns {JsonWebKey & { kid?: string, alg?: string }}
 */
export function pickJwk(parsed, kid) {
  if (Array.isArray(parsed.keys)) {
    const keys = parsed.keys.filter(isObject);
    const found =
      kid === undefined ? (keys.length === 1 ? keys[0] : undefined) : keys.find((key) => key.kid === kid);
    if (!found)
      throw new KeyInputError(
        kid === undefined
          ? 'The token has no kid and the set holds several keys.'
          : `No key with kid "${kid}" in the set.`,
      );
    return /** @type {JsonWebKey & { kid?: string, alg?: string }} */ (found);
  }
  if (typeof parsed.kty !== 'string') throw new KeyInputError('A JWK needs "kty".');
  return /** @type {JsonWebKey & { kid?: string, alg?: string }} */ (parsed);
}

/**
 * Verifies the token's signature with `key`. Resolves true or false; throws `KeyInputError` when
 * the key cannot verify this algorithm at all.
 *
 * @param {DecodedJwt} decoded
 * @param {VerificationKey} key
 * @returns {Promise<boolean>}
 */
export async function verifySignature(decoded, key) {
  const alg = decoded.header.alg;
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none')
    throw new KeyInputError('The token names no algorithm (or "none"): there is nothing to verify.');
  const spec = ALGORITHMS[alg];
  if (!spec) throw new KeyInputError(`Algorithm "${alg}" is not supported here.`);
  /** @type {CryptoKey} */
  let cryptoKey;
  if (key.kind === 'jwk') {
    const { jwk } = key;
    if (jwk.kty !== spec.kty)
      throw new KeyInputError(`A "${jwk.kty}" key cannot verify ${alg} (it needs a "${spec.kty}" key).`);
    if (jwk.alg !== undefined && jwk.alg !== alg && !(alg === 'Ed25519' && jwk.alg === 'EdDSA'))
      throw new KeyInputError(`The key is for ${jwk.alg}, the token says ${alg}.`);
    // Only the public members go to importKey: a pasted private JWK still verifies, as a public key.
    const {
      d: _d,
      p: _p,
      q: _q,
      dp: _dp,
      dq: _dq,
      qi: _qi,
      key_ops: _ops,
      use: _use,
      ...publicMembers
    } = jwk;
    try {
      cryptoKey = await crypto.subtle.importKey(
        'jwk',
        spec.kty === 'oct' ? jwk : publicMembers,
        spec.importParams,
        false,
        ['verify'],
      );
    } catch {
      throw new KeyInputError(`That JWK cannot be used for ${alg}.`);
    }
  } else {
    if (spec.kty === 'oct') throw new KeyInputError(`${alg} uses a shared secret: paste it as an "oct" JWK.`);
    try {
      cryptoKey = await crypto.subtle.importKey('spki', key.der, spec.importParams, false, ['verify']);
    } catch {
      throw new KeyInputError(`That public key cannot verify ${alg} (wrong key type or curve).`);
    }
  }
  const signatureBytes = base64ToBytes(decoded.signature);
  const signature = new Uint8Array(new ArrayBuffer(signatureBytes.length));
  signature.set(signatureBytes);
  const data = new TextEncoder().encode(decoded.signingInput);
  return crypto.subtle.verify(spec.verifyParams, cryptoKey, signature, data);
}
