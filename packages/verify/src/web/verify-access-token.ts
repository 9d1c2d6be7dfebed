// WebCrypto build: replaces packages/core/src/token/verify-access-token.ts, whose Node version
// decodes into a reused Buffer (the first-sight fast path, issue 14). This is the same verifier,
// check for check and in the same order, on the Buffer-free decode-segment.ts and the
// prepared-verdict verify-signature.ts beside it; the SDK attack catalogue runs against both
// builds (test/packages). Keep the two in step until one byte-source abstraction serves both.
import type { KeyObject } from 'node:crypto';
import { type Clock, systemClock } from '../../../core/src/clock.ts';
import { TokenError } from '../../../core/src/errors.ts';
import { isSigningAlgorithm, keyFitsAlgorithm } from '../../../core/src/keys/signing-algorithms.ts';
import type { SigningAlgorithm } from '../../../core/src/store/types.ts';
import {
  type AccessTokenClaims,
  DEFAULT_LEEWAY_SECONDS,
} from '../../../core/src/token/access-token-claims.ts';
import { checkAccessTokenClaims } from '../../../core/src/token/check-access-token-claims.ts';
import { decodeJsonObjectSegment, decodeSegment } from './decode-segment.ts';
import type { WebVerificationKey } from './jwks-keys.ts';
import { signatureMatches } from './verify-signature.ts';

export interface AccessTokenVerifierOptions {
  issuer: string;
  audience: string;
  /** The only algorithms accepted, whatever a token says. Required; HS256 cannot be mixed with others. */
  algorithms: readonly SigningAlgorithm[];
  /** Verification key for a kid, from memory (a Keyring's `getVerificationKey` fits). Null when unknown. */
  getKey: (kid: string) => KeyObject | null | undefined;
  clock?: Clock;
  /** Clock skew tolerated on exp, nbf and iat. Default 30 s, at most 300 s. */
  leewaySeconds?: number;
  /** Longer tokens are refused before any decoding. Default 8192. */
  maxTokenBytes?: number;
}

export interface AccessTokenVerifier {
  /** Returns the claims, or throws TokenError (and nothing else) with a precise `code`. */
  verify(token: string): AccessTokenClaims;
}

const MAX_LEEWAY_SECONDS = 300;
const MAX_KID_LENGTH = 128;
const KID = /^[A-Za-z0-9_-]+$/;
/**
 * Header parameters a Gatehouse token carries; anything else is refused. This rejects every
 * key-from-the-token vector (`jwk`, `jku`, `x5u`, `x5c`, `x5t`), extension switches (`crit`,
 * `b64: false`) and JWE (`enc`, `zip`), without a list to keep up to date.
 */
const ALLOWED_HEADER = new Set(['alg', 'kid', 'typ']);

function pinAlgorithms(algorithms: unknown): ReadonlySet<SigningAlgorithm> {
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every(isSigningAlgorithm)) {
    throw new TypeError('algorithms must be a non-empty list of ES256, EdDSA, RS256, HS256');
  }
  // A verifier that accepts HS256 and an asymmetric algorithm is one mix-up away from HMAC-ing with
  // a public key; keep them in separate verifiers.
  if (algorithms.includes('HS256') && algorithms.some((alg) => alg !== 'HS256')) {
    throw new TypeError('HS256 cannot be combined with asymmetric algorithms');
  }
  return new Set(algorithms);
}

function requireOption(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name} is required`);
  return value;
}

function boundedInteger(value: number, name: string, minimum: number, maximum: number): number {
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new TypeError(`${name} must be an integer from ${minimum} to ${maximum}`);
  }
  return value;
}

// RFC 9068 §4 allows the media type with its prefix, compared case-insensitively.
function isAccessTokenTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  const lower = typ.toLowerCase();
  return lower === 'at+jwt' || lower === 'application/at+jwt';
}

/**
 * The one access-token verification used everywhere. Synchronous, on node:crypto KeyObjects; the
 * checks run in order of cost, so malformed or oversized input never reaches a key or the crypto.
 *
 * @example
 * const verifier = createAccessTokenVerifier({
 *   issuer: 'https://auth.example.com',
 *   audience: 'api',
 *   algorithms: ['ES256'],
 *   getKey: keyring.getVerificationKey,
 * });
 * const claims = verifier.verify(bearerToken); // throws TokenError
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const issuer = requireOption(options.issuer, 'issuer');
  const audience = requireOption(options.audience, 'audience');
  const algorithms = pinAlgorithms(options.algorithms);
  const { getKey, clock = systemClock } = options;
  if (typeof getKey !== 'function') throw new TypeError('getKey is required');
  const leewaySeconds = boundedInteger(
    options.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS,
    'leewaySeconds',
    0,
    MAX_LEEWAY_SECONDS,
  );
  const maxTokenBytes = boundedInteger(options.maxTokenBytes ?? 8192, 'maxTokenBytes', 1, 65_536);
  const isPinned = (alg: unknown): alg is SigningAlgorithm =>
    typeof alg === 'string' && algorithms.has(alg as SigningAlgorithm);

  return {
    verify(token) {
      if (typeof token !== 'string') throw new TokenError('ERR_TOKEN_MALFORMED', 'token is not a string');
      // Length in UTF-16 units; any non-ASCII character fails the base64url check below, undecoded.
      if (token.length > maxTokenBytes) throw new TokenError('ERR_TOKEN_TOO_LARGE', 'token too large');

      const segments = token.split('.');
      if (segments.length !== 3) throw new TokenError('ERR_TOKEN_MALFORMED', 'not a three-part JWS');
      const [headerText, payloadText, signatureText] = segments as [string, string, string];
      const header = decodeJsonObjectSegment(headerText);
      const payload = decodeJsonObjectSegment(payloadText);
      const signature = decodeSegment(signatureText);
      if (!header || !payload || !signature) throw new TokenError('ERR_TOKEN_MALFORMED', 'malformed segment');

      // Exact, case-sensitive membership in the pinned list: 'none' in any casing is simply absent.
      const alg = header.alg;
      if (!isPinned(alg)) throw new TokenError('ERR_TOKEN_ALG', 'algorithm not allowed');
      if (!isAccessTokenTyp(header.typ)) {
        throw new TokenError('ERR_TOKEN_HEADER', 'not an access token (typ)');
      }
      for (const name of Object.keys(header)) {
        if (!ALLOWED_HEADER.has(name)) {
          throw new TokenError('ERR_TOKEN_HEADER', 'header parameter not allowed');
        }
      }
      const kid = header.kid;
      if (typeof kid !== 'string' || kid.length > MAX_KID_LENGTH || !KID.test(kid)) {
        throw new TokenError('ERR_TOKEN_KID', 'malformed kid');
      }
      const key = getKey(kid);
      if (!key) throw new TokenError('ERR_TOKEN_KID', 'unknown kid');
      // The key decides what it can verify: a public EC/RSA key never passes as an HMAC secret.
      if (!keyFitsAlgorithm(key, alg, 'verify')) {
        throw new TokenError('ERR_TOKEN_ALG', 'algorithm does not match the key');
      }

      const signingInput = token.slice(0, headerText.length + 1 + payloadText.length);
      let valid: boolean;
      try {
        valid = signatureMatches(alg, key as unknown as WebVerificationKey, signingInput, signature);
      } catch (cause) {
        throw new TokenError('ERR_TOKEN_SIGNATURE', 'signature check failed', { cause });
      }
      if (!valid) throw new TokenError('ERR_TOKEN_SIGNATURE', 'invalid signature');

      return checkAccessTokenClaims(payload, {
        issuer,
        audience,
        nowSeconds: clock.now() / 1000,
        leewaySeconds,
      });
    },
  };
}
