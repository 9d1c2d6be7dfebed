import { createHmac, type KeyObject, timingSafeEqual, verify } from 'node:crypto';
import type { SigningAlgorithm } from '../store/types.ts';

const ES256_COMPONENT_BYTES = 32;

/** RFC 7518: ES256 is r‖s of 32 bytes each; Ed25519 64 bytes; HS256 32; RS256 the modulus size. */
export function expectedSignatureBytes(alg: SigningAlgorithm, key: KeyObject): number {
  switch (alg) {
    case 'ES256':
    case 'EdDSA':
      return 64;
    case 'HS256':
      return 32;
    case 'RS256':
      return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
  }
}

function isAllZero(bytes: Uint8Array, start: number, end: number): boolean {
  for (let index = start; index < end; index++) if (bytes[index] !== 0) return false;
  return true;
}

/**
 * r‖s (RFC 7518 §3.4) as the DER ECDSA-Sig-Value that node:crypto reads by default, which is
 * what it converts `dsaEncoding: 'ieee-p1363'` to itself. Given the KeyObject rather than an
 * options object, node:crypto skips two failed type checks (each a thrown and caught error),
 * which cost more than the rest of a token's verification together.
 */
const p1363ToDer: (signature: Buffer) => Buffer = createDerConverter();

/**
 * The converter with its buffer and views in a closure's `const`s: a bundler turns a module's
 * top-level `const` into `var` (esbuild does), which TurboFan cannot fold, as it does a
 * function's own `const`s (see `decodeCanonicalBase64UrlBytes`).
 */
function createDerConverter() {
  /** The DER encoding of one P-256 signature: at most 2 + 2 × (2 + 33) bytes. Reused: the check is synchronous. */
  const der = Buffer.alloc(72);
  /**
   * `der.subarray(0, length)` for each length, made once: a new Buffer view per token cost more
   * instructions than the conversion itself. Only the bytes under a view change, never the view.
   */
  const derViews = Array.from({ length: der.length + 1 }, (_, length) => der.subarray(0, length));
  const derWords = new DataView(der.buffer, der.byteOffset, der.length);
  const half = ES256_COMPONENT_BYTES;
  /** A DataView of the last signature converted: the verifier passes one Buffer view for every token. */
  let sourceOf: Buffer | undefined;
  let source: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /**
   * Writes bytes[start, end) as a minimal DER INTEGER at `at`; returns where it ends. The bytes go
   * over four at a time through DataViews: a loop of byte stores cost about 25 instructions a byte,
   * `Buffer#copy` more than that in all (callgrind).
   */
  function writeDerInteger(bytes: Buffer, start: number, end: number, at: number): number {
    let first = start;
    while (first < end - 1 && bytes[first] === 0) first++;
    const pad = bytes[first]! >= 0x80 ? 1 : 0;
    der[at] = 0x02;
    der[at + 1] = end - first + pad;
    let offset = at + 2;
    if (pad === 1) der[offset++] = 0;
    for (; first + 4 <= end; first += 4, offset += 4) derWords.setUint32(offset, source.getUint32(first));
    for (; first < end; first++, offset++) derWords.setUint8(offset, source.getUint8(first));
    return offset;
  }

  return function p1363ToDer(signature: Buffer): Buffer {
    if (sourceOf !== signature) {
      sourceOf = signature;
      source = new DataView(signature.buffer, signature.byteOffset, signature.length);
    }
    const end = writeDerInteger(signature, half, 2 * half, writeDerInteger(signature, 0, half, 2));
    der[0] = 0x30;
    der[1] = end - 2;
    return derViews[end]!;
  };
}

/**
 * Checks a JWS signature with node:crypto, synchronously. The caller has already established that
 * `key` fits `alg` (see keyFitsAlgorithm), so the algorithm here comes from the pinned list and the
 * key, never from the token alone.
 */
export function signatureMatches(
  alg: SigningAlgorithm,
  key: KeyObject,
  signingInput: Buffer,
  signature: Buffer,
  /** `expectedSignatureBytes(alg, key)`, when the caller already knows it. */
  signatureBytes: number = expectedSignatureBytes(alg, key),
): boolean {
  // Also what makes timingSafeEqual below safe to call: it needs equal lengths.
  if (signature.length !== signatureBytes) return false;
  switch (alg) {
    case 'HS256':
      // Constant time: a byte-by-byte compare would leak how much of a forged MAC is right.
      return timingSafeEqual(createHmac('sha256', key).update(signingInput).digest(), signature);
    case 'ES256':
      // r = 0 or s = 0 is never valid (the "psychic signature" CVE-2022-21449); refused explicitly
      // rather than trusting every backend to.
      if (
        isAllZero(signature, 0, ES256_COMPONENT_BYTES) ||
        isAllZero(signature, ES256_COMPONENT_BYTES, 2 * ES256_COMPONENT_BYTES)
      ) {
        return false;
      }
      return verify('sha256', signingInput, key, p1363ToDer(signature));
    case 'EdDSA':
      return verify(null, signingInput, key, signature);
    case 'RS256':
      // PKCS #1 v1.5, node:crypto's default for an 'rsa' key (keyFitsAlgorithm admits no other
      // type for RS256), so the key is passed as it is (see p1363ToDer).
      return verify('sha256', signingInput, key, signature);
  }
}
