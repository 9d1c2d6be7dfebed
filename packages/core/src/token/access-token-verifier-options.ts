// What both builds of the access-token verifier share: its options, their validation, and the
// header rules. Leaf module (no Buffer, no node:crypto values), so the SDK's WebCrypto build uses it
// as it is; only the byte-level decoding and the signature check differ between the two builds.
import type { KeyObject } from 'node:crypto';
import { type Clock, systemClock } from '../clock.ts';
import { TokenError } from '../errors.ts';
import { isSigningAlgorithm } from '../keys/signing-algorithms.ts';
import type { SigningAlgorithm } from '../store/types.ts';
import { type AccessTokenClaims, DEFAULT_LEEWAY_SECONDS } from './access-token-claims.ts';

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
  /**
   * Returns the claims, or throws TokenError (and nothing else) with a precise `code`. With
   * `start`, the token is `token.slice(start)` (say an `Authorization` header's, from 7 on): the
   * same answer, without slicing it.
   */
  verify(token: string, start?: number): AccessTokenClaims;
}

/** The options, validated once at creation (never per request). */
export interface ResolvedVerifierOptions {
  issuer: string;
  audience: string;
  getKey: AccessTokenVerifierOptions['getKey'];
  clock: Clock;
  leewaySeconds: number;
  maxTokenBytes: number;
  isPinned: (alg: unknown) => alg is SigningAlgorithm;
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

export function resolveVerifierOptions(options: AccessTokenVerifierOptions): ResolvedVerifierOptions {
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
  return { issuer, audience, getKey, clock, leewaySeconds, maxTokenBytes, isPinned };
}

/**
 * The header's own checks, in this order: the algorithm is pinned, `typ` says access token, no
 * parameter beyond `alg`, `kid`, `typ`, and a well-formed `kid`. Throws TokenError.
 */
export function checkAccessTokenHeader(
  header: Record<string, unknown>,
  isPinned: ResolvedVerifierOptions['isPinned'],
): { alg: SigningAlgorithm; kid: string } {
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
  return { alg, kid };
}
