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
import { type ClaimExpectations, checkAccessTokenClaims } from './check-access-token-claims.ts';
import {
  decodeCanonicalBase64UrlBytes,
  decodedAscii,
  parseJsonObjectSegment,
  readJsonObject,
} from './decode-segment.ts';
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
   * The last header judged, tried first: tokens of one key share their header text. Compared as
   * bytes, four at a time, with the token's own already in the verifier's buffer: cheaper than
   * hashing a slice for the Map (35 against 160 ns with the token split, measured on Node 24), and
   * than a slice or `startsWith` compare of the strings (about 500 and 1,000 instructions against
   * 440 for an ES256 header, callgrind). The bytes are the characters: the token was written one
   * byte per character.
   */
  let lastHeaderWords = new Uint32Array(64);
  let lastHeaderBytes = new Uint8Array(lastHeaderWords.buffer);
  let lastHeaderLength = -1;
  let lastHeader: { alg: SigningAlgorithm; kid: string } | undefined;

  /**
   * Whether `bytes[at, at + length)` are the last header's; `words` are the same memory, from 0,
   * and `at` is a multiple of 4.
   */
  function isLastHeader(bytes: Uint8Array, words: Uint32Array, at: number, length: number): boolean {
    if (length !== lastHeaderLength) return false;
    const whole = length >>> 2;
    const word = at >>> 2;
    for (let index = 0; index < whole; index++)
      if (words[word + index] !== lastHeaderWords[index]) return false;
    for (let index = whole << 2; index < length; index++) {
      if (bytes[at + index] !== lastHeaderBytes[index]) return false;
    }
    return true;
  }

  /**
   * The header `text[start, firstDot)`, whose bytes are `bytes[at, at + firstDot - start)` (`at` a
   * multiple of 4), checked or remembered.
   */
  return function headerOf(
    text: string,
    start: number,
    firstDot: number,
    bytes: Uint8Array,
    words: Uint32Array,
    at: number,
  ): { alg: SigningAlgorithm; kid: string } {
    const length = firstDot - start;
    if (lastHeader && isLastHeader(bytes, words, at, length)) return lastHeader;
    const headerText = text.slice(start, firstDot);
    const header = checkedHeaders.get(headerText) ?? checkHeader(headerText);
    if (lastHeaderBytes.length < length) {
      lastHeaderWords = new Uint32Array(length);
      lastHeaderBytes = new Uint8Array(lastHeaderWords.buffer);
    }
    lastHeaderBytes.set(bytes.subarray(at, at + length));
    lastHeaderLength = length;
    lastHeader = header;
    return header;
  };
}

/**
 * A working buffer of one verifier, grown as needed (to at least twice its size), with a DataView
 * and 32-bit words of it, and the last view of a part of it asked for: a token of a key has the same signing-input and
 * signature lengths as the one before, and a new Buffer view per token cost more instructions than
 * the decoding.
 */
function createScratch(initialBytes: number) {
  // Its own ArrayBuffer (allocUnsafeSlow), so the words start at byte 0.
  const viewOf = (buffer: Buffer) => new DataView(buffer.buffer, 0, buffer.length);
  const wordsOf = (buffer: Buffer) => new Uint32Array(buffer.buffer, 0, buffer.length >>> 2);
  /**
   * `buffer.subarray(pad)` for each pad of 0 to 3: `write(text)` on one of these takes node's
   * short path, where `buffer.write(text, pad)` validates the offset through a wrapper that costs
   * more than the write (about 1.3k instructions a token, callgrind).
   */
  const fromOf = (buffer: Buffer) => [0, 1, 2, 3].map((pad) => buffer.subarray(pad));
  const initial: Buffer = Buffer.allocUnsafeSlow(initialBytes);
  const scratch = {
    buffer: initial,
    view: viewOf(initial),
    words: wordsOf(initial),
    from: fromOf(initial),
    grow(bytes: number): void {
      if (scratch.buffer.length < bytes) {
        const buffer = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * scratch.buffer.length));
        scratch.buffer = buffer;
        scratch.view = viewOf(buffer);
        scratch.words = wordsOf(buffer);
        scratch.from = fromOf(buffer);
      }
    },
    /** `buffer.subarray(begin, end)`: the last one made while buffer, begin and end repeat. */
    part(buffer: Buffer, begin: number, end: number): Buffer {
      if (partOf !== buffer || partBegin !== begin || part.length !== end - begin) {
        partOf = buffer;
        partBegin = begin;
        part = buffer.subarray(begin, end);
      }
      return part;
    },
  };
  let partOf = initial;
  let partBegin = 0;
  let part = initial.subarray(0, 0);
  return scratch;
}

/** The precise refusal of a token whose segments did not decode: a fourth part is named as such. */
function malformed(text: string, secondDot: number): TokenError {
  return secondDot !== -1 && text.indexOf('.', secondDot + 1) !== -1
    ? new TokenError('ERR_TOKEN_MALFORMED', 'not a three-part JWS')
    : new TokenError('ERR_TOKEN_MALFORMED', 'malformed segment');
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
  /** The token's bytes, then its decoded payload. */
  const tokenScratch = createScratch(2048);
  /** The decoded signature, at 0. */
  const signatureScratch = createScratch(512);
  /** Filled anew for each token's claim check (synchronous, so one object serves every call). */
  const expected: ClaimExpectations = { issuer, audience, nowSeconds: 0, leewaySeconds };

  /** Bumped by every call: tells a call whether getKey (caller code) re-entered this verifier. */
  let calls = 0;

  return {
    verify(text, start = 0) {
      if (typeof text !== 'string') throw new TokenError('ERR_TOKEN_MALFORMED', 'token is not a string');
      // The token is text[start, end); its length in UTF-16 units (non-ASCII fails the write below).
      const end = text.length;
      if (start >>> 0 !== start || start > end) throw new TokenError('ERR_TOKEN_MALFORMED', 'bad start');
      const length = end - start;
      if (length > maxTokenBytes) throw new TokenError('ERR_TOKEN_TOO_LARGE', 'token too large');

      // Three parts, found without splitting: the signing input is then one prefix of the token. A
      // third dot is in the signature segment, which its decoding refuses ('.' is not base64url).
      const firstDot = text.indexOf('.', start);
      const secondDot = firstDot === -1 ? -1 : text.indexOf('.', firstDot + 1);
      if (secondDot === -1) throw new TokenError('ERR_TOKEN_MALFORMED', 'not a three-part JWS');
      // The text is written once, as UTF-8, into this verifier's own buffer: the token's prefix is
      // the signing input, payload and signature are decoded from those bytes, never from the string
      // (charCodeAt per character cost more than the rest of the verification). With room for 3
      // bytes per character, the write is `end` bytes exactly when every character is ASCII; else
      // refused here (a Latin-1 write would take U+0141 for 'A'). The whole text, not a slice (node
      // writes a sliced string on a slower path), from `pad`: the token starts at `at`, a multiple
      // of 4 for the header's word compare. Position `i` of the text is byte `pad + i`.
      const call = ++calls;
      const pad = (4 - (start & 3)) & 3;
      const at = pad + start;
      const bytesEnd = pad + end;
      tokenScratch.grow(pad + 3 * end);
      signatureScratch.grow(length);
      const { buffer, view, words, from } = tokenScratch;
      const { buffer: signatureBuffer, view: signatureView } = signatureScratch;
      if (from[pad]!.write(text) !== end) throw malformed(text, secondDot);
      // The signature is decoded into its own buffer, the payload after the text; each is checked
      // canonical as it decodes. The payload's bytes are known ASCII or not from that decoding.
      const signatureStart = pad + secondDot + 1;
      const signatureLength = decodeCanonicalBase64UrlBytes(view, signatureStart, bytesEnd, 0, signatureView);
      const payloadStart = pad + firstDot + 1;
      const payloadBytes =
        signatureLength >= 0
          ? decodeCanonicalBase64UrlBytes(view, payloadStart, signatureStart - 1, bytesEnd)
          : -1;
      const payload =
        payloadBytes > 0 ? readJsonObject(buffer, bytesEnd, payloadBytes, decodedAscii()) : null;
      // The header is judged only once payload and signature are well-formed, as it always was.
      const header = payload && firstDot > start ? headerOf(text, start, firstDot, buffer, words, at) : null;
      if (!header || !payload) throw malformed(text, secondDot);
      const { alg, kid } = header;

      const key = getKey(kid);
      if (!key) throw new TokenError('ERR_TOKEN_KID', 'unknown kid');
      // The key decides what it can verify: a public EC/RSA key never passes as an HMAC secret.
      const signatureBytes = verifiableSignatureBytes(key, alg);
      if (signatureBytes === 0) {
        throw new TokenError('ERR_TOKEN_ALG', 'algorithm does not match the key');
      }

      // getKey is caller code: had it verified a token with this verifier, the buffers are rewritten.
      if (calls !== call) {
        from[pad]!.write(text);
        decodeCanonicalBase64UrlBytes(view, signatureStart, bytesEnd, 0, signatureView);
      }
      const signingInput = tokenScratch.part(buffer, at, signatureStart - 1);
      const signature = signatureScratch.part(signatureBuffer, 0, signatureLength);
      let valid: boolean;
      try {
        valid = signatureMatches(alg, key, signingInput, signature, signatureBytes);
      } catch (cause) {
        throw new TokenError('ERR_TOKEN_SIGNATURE', 'signature check failed', { cause });
      }
      if (!valid) throw new TokenError('ERR_TOKEN_SIGNATURE', 'invalid signature');

      expected.nowSeconds = clock.now() / 1000;
      return checkAccessTokenClaims(payload, expected);
    },
  };
}
