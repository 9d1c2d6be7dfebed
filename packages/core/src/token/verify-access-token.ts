import type { KeyObject } from 'node:crypto';
import { TokenError } from '../errors.ts';
import { keyFitsAlgorithm } from '../keys/signing-algorithms.ts';
import type { SigningAlgorithm } from '../store/types.ts';
import {
  type AccessTokenVerifier,
  type AccessTokenVerifierOptions,
  checkAccessTokenHeader,
  resolveVerifierOptions,
} from './access-token-verifier-options.ts';
import { checkAccessTokenClaims } from './check-access-token-claims.ts';
import { decodeCanonicalBase64UrlBytes, parseJsonObjectSegment, readJsonObject } from './decode-segment.ts';
import { expectedSignatureBytes, signatureMatches } from './verify-signature.ts';

export type { AccessTokenVerifier, AccessTokenVerifierOptions } from './access-token-verifier-options.ts';

/** Distinct headers a verifier remembers as checked; more than any honest key set produces. */
const MAX_CHECKED_HEADERS = 64;

/**
 * What `keyFitsAlgorithm` says of a key for an algorithm, and the signature length it verifies (0:
 * it does not fit). A KeyObject never changes, so this is judged once per key and algorithm, not
 * per token: reading `asymmetricKeyDetails` builds a new object on every access.
 */
const judgedKeys = new WeakMap<KeyObject, Partial<Record<SigningAlgorithm, number>>>();

function verifiableSignatureBytes(key: KeyObject, alg: SigningAlgorithm): number {
  let judged = judgedKeys.get(key);
  if (!judged) {
    judged = {};
    judgedKeys.set(key, judged);
  }
  let bytes = judged[alg];
  if (bytes === undefined) {
    bytes = keyFitsAlgorithm(key, alg, 'verify') ? expectedSignatureBytes(alg, key) : 0;
    judged[alg] = bytes;
  }
  return bytes;
}

/** The header check of one verifier, remembered by header text (see below). */
function createHeaderJudge(isPinned: Parameters<typeof checkAccessTokenHeader>[1]) {
  /**
   * Headers that passed every header check, by their exact text. A verifier sees a handful of
   * distinct headers (one per signing key), so after the first token of a key its header costs one
   * lookup instead of a decode and a JSON.parse. Only the header's own, context-free checks are
   * remembered; the key is still looked up (and judged) for every token. Bounded: cleared when full.
   */
  const checkedHeaders = new Map<string, { alg: SigningAlgorithm; kid: string }>();

  function checkHeader(headerText: string): { alg: SigningAlgorithm; kid: string } {
    const header = parseJsonObjectSegment(headerText);
    if (!header) throw new TokenError('ERR_TOKEN_MALFORMED', 'malformed segment');
    const checked = checkAccessTokenHeader(header, isPinned);
    if (checkedHeaders.size >= MAX_CHECKED_HEADERS) checkedHeaders.clear();
    checkedHeaders.set(headerText, checked);
    return checked;
  }

  /**
   * The last header judged, tried first: tokens of one key share their header text, and comparing
   * a new slice of it costs less than hashing that slice for the Map (35 against 160 ns
   * with the token split, measured on Node 24).
   */
  let lastHeaderText = '';
  let lastHeader: { alg: SigningAlgorithm; kid: string } | undefined;

  return function headerOf(token: string, firstDot: number): { alg: SigningAlgorithm; kid: string } {
    const headerText = token.slice(0, firstDot);
    if (lastHeader && headerText === lastHeaderText) return lastHeader;
    const header = checkedHeaders.get(headerText) ?? checkHeader(headerText);
    lastHeaderText = headerText;
    lastHeader = header;
    return header;
  };
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
  const { issuer, audience, getKey, clock, leewaySeconds, maxTokenBytes, isPinned } =
    resolveVerifierOptions(options);
  const headerOf = createHeaderJudge(isPinned);

  let scratchBuffer = Buffer.allocUnsafeSlow(2048);
  let scratchView = new DataView(scratchBuffer.buffer, scratchBuffer.byteOffset, scratchBuffer.length);
  /** This verifier's working buffer, grown to `bytes` (at most twice the largest need) as needed. */
  function scratch(bytes: number): Buffer {
    if (scratchBuffer.length < bytes) {
      scratchBuffer = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * scratchBuffer.length));
      scratchView = new DataView(scratchBuffer.buffer, scratchBuffer.byteOffset, scratchBuffer.length);
    }
    return scratchBuffer;
  }

  /** Bumped by every call: tells a call whether getKey (caller code) re-entered this verifier. */
  let calls = 0;

  return {
    verify(token) {
      if (typeof token !== 'string') throw new TokenError('ERR_TOKEN_MALFORMED', 'token is not a string');
      // Length in UTF-16 units; any non-ASCII character fails the UTF-8 write below.
      if (token.length > maxTokenBytes) throw new TokenError('ERR_TOKEN_TOO_LARGE', 'token too large');

      // Three parts, found without splitting: the signing input is then one prefix of the token.
      const firstDot = token.indexOf('.');
      const secondDot = firstDot === -1 ? -1 : token.indexOf('.', firstDot + 1);
      if (secondDot === -1 || token.indexOf('.', secondDot + 1) !== -1) {
        throw new TokenError('ERR_TOKEN_MALFORMED', 'not a three-part JWS');
      }
      // The token is written once, as UTF-8, into this verifier's own buffer: its prefix is the
      // signing input, and the payload and signature are decoded from those bytes, never from the
      // string (charCodeAt per character cost more than the rest of the verification). With room
      // for 3 bytes per character, the write is `length` bytes exactly when every character is
      // ASCII; anything else is refused here (a Latin-1 write would take U+0141 for 'A').
      const call = ++calls;
      const length = token.length;
      const buffer = scratch(3 * length);
      const view = scratchView;
      if (buffer.write(token, 0, 'utf8') !== length) {
        throw new TokenError('ERR_TOKEN_MALFORMED', 'malformed segment');
      }
      // Decoded after the token: the signature first, then the payload. Each is checked canonical
      // as it decodes.
      const signatureLength = decodeCanonicalBase64UrlBytes(view, secondDot + 1, length, length);
      const payloadAt = length + signatureLength;
      const payloadBytes =
        signatureLength >= 0 ? decodeCanonicalBase64UrlBytes(view, firstDot + 1, secondDot, payloadAt) : -1;
      const payload = payloadBytes > 0 ? readJsonObject(buffer, payloadAt, payloadBytes) : null;
      // The header is judged only once payload and signature are well-formed, as it always was.
      const header = payload && firstDot > 0 ? headerOf(token, firstDot) : null;
      if (!header || !payload) throw new TokenError('ERR_TOKEN_MALFORMED', 'malformed segment');
      const { alg, kid } = header;

      const key = getKey(kid);
      if (!key) throw new TokenError('ERR_TOKEN_KID', 'unknown kid');
      // The key decides what it can verify: a public EC/RSA key never passes as an HMAC secret.
      const signatureBytes = verifiableSignatureBytes(key, alg);
      if (signatureBytes === 0) {
        throw new TokenError('ERR_TOKEN_ALG', 'algorithm does not match the key');
      }

      // getKey is caller code: had it verified a token with this verifier, the buffer is rewritten.
      if (calls !== call) {
        buffer.write(token, 0, 'utf8');
        decodeCanonicalBase64UrlBytes(view, secondDot + 1, length, length);
      }
      const signingInput = buffer.subarray(0, secondDot);
      const signature = buffer.subarray(length, length + signatureLength);
      let valid: boolean;
      try {
        valid = signatureMatches(alg, key, signingInput, signature, signatureBytes);
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
