/**
 * Signature verdicts computed asynchronously with WebCrypto by `prepare(token)`, read by the
 * synchronous verifier right after. Keyed by the signing input; the signature must match byte for
 * byte and the key must be the same CryptoKey. Kept (not consumed), so concurrent first sights of
 * one token all find theirs; bounded, oldest first out.
 */
const verdicts = new Map<string, { signature: Uint8Array; key: CryptoKey; valid: boolean }>();
const MAX_VERDICTS = 1000;

export function recordVerdict(
  signingInput: string,
  signature: Uint8Array,
  key: CryptoKey,
  valid: boolean,
): void {
  verdicts.delete(signingInput);
  if (verdicts.size >= MAX_VERDICTS) verdicts.delete(verdicts.keys().next().value!);
  verdicts.set(signingInput, { signature, key, valid });
}

/** The verdict for exactly this input, signature and key; false when there is none. */
export function takeVerdict(signingInput: string, signature: Uint8Array, key: CryptoKey): boolean {
  const verdict = verdicts.get(signingInput);
  if (!verdict || verdict.key !== key) return false;
  const expected = verdict.signature;
  if (expected.length !== signature.length) return false;
  for (let i = 0; i < expected.length; i++) if (expected[i] !== signature[i]) return false;
  return verdict.valid;
}
