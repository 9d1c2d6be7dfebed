import {
  constants,
  createHash,
  createPublicKey,
  type JsonWebKey as NodeJsonWebKey,
  type KeyObject,
  verify,
} from 'node:crypto';
import { type Clock, systemClock } from '../clock.ts';
import { DpopProofError } from '../errors.ts';
import { decodeJsonObjectSegment, decodeSegment } from '../token/decode-segment.ts';
import { signatureMatches as tokenSignatureMatches } from '../token/verify-signature.ts';
import { DPOP_ALGORITHMS, DPOP_PROOF_TYP, type DpopAlgorithm } from './dpop-algorithms.ts';
import { createDpopReplayCache } from './dpop-replay-cache.ts';
import type { DpopNonces } from './dpop-nonces.ts';
import { computeJwkThumbprint } from './jwk-thumbprint.ts';
import { normalizeHtu } from './normalize-htu.ts';

export interface DpopProofCheckerOptions {
  /** Accepted proof algorithms; default all of `DPOP_ALGORITHMS`. */
  algorithms?: readonly DpopAlgorithm[];
  /** How old a proof's `iat` may be. Default 60 s. */
  maxAgeSeconds?: number;
  /** How far in the future `iat` may be (client clock skew). Default 5 s. */
  leewaySeconds?: number;
  /** Bound on remembered `jti`s (per checker instance). Default 100 000. */
  replayCacheSize?: number;
  /** When given, every proof must carry one of its nonces (RFC 9449 §8). */
  nonces?: DpopNonces;
  clock?: Clock;
}

export interface DpopProofInput {
  /** The `DPoP` header value(s) as received; anything but exactly one value is refused. */
  proof: string | readonly string[] | undefined;
  /** The request method, e.g. `POST`. */
  method: string;
  /** The request URL as the client addressed it (absolute); query and fragment are ignored. */
  url: string;
  /** At a resource: the access token, whose hash the proof must carry as `ath`. */
  accessToken?: string;
  /** At a resource: the `cnf.jkt` of the token; a proof of any other key is refused (and not remembered). */
  expectedJkt?: string;
}

export interface CheckedDpopProof {
  /** RFC 7638 thumbprint of the proof's key: what `cnf.jkt` binds to. */
  jkt: string;
  jti: string;
  iat: number;
}

export interface DpopProofChecker {
  /** Checks one proof; throws `DpopProofError` (`ERR_DPOP_PROOF`, or `ERR_DPOP_NONCE`). Synchronous. */
  check(input: DpopProofInput): CheckedDpopProof;
  /** The nonces proofs must carry, when configured. */
  readonly nonces: DpopNonces | undefined;
  readonly algorithms: readonly DpopAlgorithm[];
}

const MAX_PROOF_BYTES = 8192;
const MAX_JTI_LENGTH = 256;
const ALLOWED_HEADER = new Set(['typ', 'alg', 'jwk']);
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MIN_RSA_MODULUS_BITS = 2048;
const MAX_IMPORTED_KEYS = 1024;

interface ImportedKey {
  key: KeyObject;
  /** RFC 7638 thumbprint of the key's public members. */
  jkt: string;
}

const refuse = (message: string) => new DpopProofError('ERR_DPOP_PROOF', message);

/** The key a proof's `jwk` describes, built from its public members only; null when it does not fit `alg`. */
function publicKeyFor(alg: DpopAlgorithm, jwk: Record<string, unknown>): KeyObject | null {
  const members =
    jwk.kty === 'EC'
      ? { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y }
      : jwk.kty === 'OKP'
        ? { kty: 'OKP', crv: jwk.crv, x: jwk.x }
        : jwk.kty === 'RSA'
          ? { kty: 'RSA', n: jwk.n, e: jwk.e }
          : null;
  if (!members || !Object.values(members).every((value) => typeof value === 'string')) return null;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: members as NodeJsonWebKey, format: 'jwk' });
  } catch {
    return null;
  }
  const details = key.asymmetricKeyDetails;
  switch (alg) {
    case 'ES256':
      return key.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1' ? key : null;
    case 'ES384':
      return key.asymmetricKeyType === 'ec' && details?.namedCurve === 'secp384r1' ? key : null;
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519' ? key : null;
    case 'RS256':
    case 'PS256':
      return key.asymmetricKeyType === 'rsa' && (details?.modulusLength ?? 0) >= MIN_RSA_MODULUS_BITS
        ? key
        : null;
  }
}

/**
 * ES256, EdDSA and RS256 go through the access-token verifier's check (the KeyObject itself, DER
 * for ES256: node:crypto's fastest call); ES384 and PS256, rarer, pass their options object.
 */
function signatureMatches(alg: DpopAlgorithm, key: KeyObject, input: Buffer, signature: Buffer): boolean {
  switch (alg) {
    case 'ES256':
    case 'EdDSA':
    case 'RS256':
      return tokenSignatureMatches(alg, key, input, signature);
    case 'ES384':
      if (signature.length !== 96) return false;
      // r = 0 or s = 0 is never valid (CVE-2022-21449): refused here rather than trusted to the backend.
      if (signature.subarray(0, 48).every((b) => b === 0) || signature.subarray(48).every((b) => b === 0))
        return false;
      return verify('sha384', input, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'PS256':
      return verify(
        'sha256',
        input,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
        signature,
      );
  }
}

/** `ath` (RFC 9449 §4.2): base64url SHA-256 of the access token's ASCII. */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** The `iat` window options, checked: how old a proof may be and how far ahead of the clock. */
function readIatWindow(options: DpopProofCheckerOptions): { maxAgeSeconds: number; leewaySeconds: number } {
  const maxAgeSeconds = options.maxAgeSeconds ?? 60;
  const leewaySeconds = options.leewaySeconds ?? 5;
  if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 1 || maxAgeSeconds > 600)
    throw new TypeError('maxAgeSeconds must be an integer from 1 to 600');
  if (!Number.isSafeInteger(leewaySeconds) || leewaySeconds < 0 || leewaySeconds > 300)
    throw new TypeError('leewaySeconds must be an integer from 0 to 300');
  return { maxAgeSeconds, leewaySeconds };
}

/**
 * Imports a proof's `jwk` for `alg`, or null when it does not fit. Importing a JWK costs more than
 * verifying with it, and a client keeps its key for many requests: imported keys are kept, by their
 * public members, in a small bounded map (per checker).
 */
function createKeyImporter(): (alg: DpopAlgorithm, jwk: Record<string, unknown>) => ImportedKey | null {
  const keys = new Map<string, ImportedKey | null>();
  return (alg, jwk) => {
    // JSON of the members, so that no two different keys can share an entry.
    const id = JSON.stringify([alg, jwk.kty, jwk.crv, jwk.x, jwk.y, jwk.n, jwk.e]);
    let imported = keys.get(id);
    if (imported === undefined) {
      const key = publicKeyFor(alg, jwk);
      const jkt = key ? computeJwkThumbprint(jwk) : null;
      imported = key && jkt ? { key, jkt } : null;
      if (keys.size >= MAX_IMPORTED_KEYS) keys.delete(keys.keys().next().value!);
      keys.set(id, imported);
    }
    return imported;
  };
}

/**
 * The one DPoP proof check (RFC 9449 §4.3), shared by the auth server and the verifier SDK:
 * a single `DPoP` header; a compact JWS with `typ: dpop+jwt`, an allowed asymmetric `alg` and a
 * public `jwk` (and no other header); a valid signature by that key; `htm` and `htu` matching the
 * request; `iat` within the window; `ath` matching the access token at a resource; the nonce when
 * required; a `jti` not seen within the window. Synchronous, on node:crypto.
 *
 * Replay detection lives in this checker's memory: it holds per instance, so two verifier
 * processes each accept a proof once. Short windows keep that gap small.
 *
 * @example
 * const dpop = createDpopProofChecker();
 * const { jkt } = dpop.check({ proof: headers.dpop, method: 'POST', url: 'https://auth.example/oauth/token' });
 */
export function createDpopProofChecker(options: DpopProofCheckerOptions = {}): DpopProofChecker {
  const algorithms = options.algorithms ?? DPOP_ALGORITHMS;
  if (algorithms.length === 0 || !algorithms.every((alg) => DPOP_ALGORITHMS.includes(alg))) {
    throw new TypeError(`algorithms must be a non-empty list of ${DPOP_ALGORITHMS.join(', ')}`);
  }
  const allowed = new Set<string>(algorithms);
  const { maxAgeSeconds, leewaySeconds } = readIatWindow(options);
  const { clock = systemClock, nonces } = options;
  const replays = createDpopReplayCache(options.replayCacheSize ?? 100_000);
  const importKey = createKeyImporter();

  return {
    nonces,
    algorithms,
    check(input) {
      const values = typeof input.proof === 'string' ? [input.proof] : (input.proof ?? []);
      if (values.length !== 1)
        throw refuse(values.length === 0 ? 'no DPoP proof' : 'more than one DPoP header');
      const proof = values[0]!;
      if (proof.length > MAX_PROOF_BYTES) throw refuse('proof too large');
      const segments = proof.split('.');
      if (segments.length !== 3) throw refuse('not a compact JWS');
      const [headerText, payloadText, signatureText] = segments as [string, string, string];
      const header = decodeJsonObjectSegment(headerText);
      const payload = decodeJsonObjectSegment(payloadText);
      const signature = decodeSegment(signatureText);
      if (!header || !payload || !signature) throw refuse('malformed segment');

      if (header.typ !== DPOP_PROOF_TYP) throw refuse('typ is not dpop+jwt');
      const alg = header.alg;
      if (typeof alg !== 'string' || !allowed.has(alg)) throw refuse('algorithm not allowed');
      for (const name of Object.keys(header))
        if (!ALLOWED_HEADER.has(name)) throw refuse('header parameter not allowed');
      const jwk = header.jwk;
      if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw refuse('jwk missing');
      const jwkObject = jwk as Record<string, unknown>;
      if (PRIVATE_JWK_MEMBERS.some((name) => name in jwkObject))
        throw refuse('jwk holds private key material');
      const imported = importKey(alg as DpopAlgorithm, jwkObject);
      if (!imported) throw refuse('jwk does not fit the algorithm');
      const { key, jkt } = imported;
      const signingInput = Buffer.from(proof.slice(0, headerText.length + 1 + payloadText.length), 'latin1');
      let valid: boolean;
      try {
        valid = signatureMatches(alg as DpopAlgorithm, key, signingInput, signature);
      } catch {
        valid = false;
      }
      if (!valid) throw refuse('invalid signature');

      const { jti, htm, htu, iat } = payload;
      if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)
        throw refuse('jti missing');
      if (htm !== input.method) throw refuse('htm does not match the request method');
      const expectedHtu = normalizeHtu(input.url);
      if (typeof htu !== 'string' || expectedHtu === null || normalizeHtu(htu) !== expectedHtu)
        throw refuse('htu does not match the request URL');
      if (typeof iat !== 'number' || !Number.isFinite(iat)) throw refuse('iat missing');
      const nowMs = clock.now();
      const nowSeconds = nowMs / 1000;
      if (iat < nowSeconds - maxAgeSeconds) throw refuse('proof too old (iat)');
      if (iat > nowSeconds + leewaySeconds) throw refuse('proof from the future (iat)');
      if (input.accessToken !== undefined) {
        if (typeof payload.ath !== 'string' || payload.ath !== accessTokenHash(input.accessToken))
          throw refuse('ath does not match the access token');
      }
      if (input.expectedJkt !== undefined && jkt !== input.expectedJkt)
        throw refuse('proof key is not the key the token is bound to');
      if (nonces && !nonces.isValid(payload.nonce))
        throw new DpopProofError('ERR_DPOP_NONCE', 'nonce missing or stale');
      // Remembered only once everything else held, so junk and other keys' proofs never fill the cache.
      const windowEndMs = (iat + maxAgeSeconds + leewaySeconds) * 1000;
      if (!replays.remember(`${jkt}.${jti}`, windowEndMs, nowMs)) throw refuse('jti replayed');
      return { jkt, jti, iat };
    },
  };
}
