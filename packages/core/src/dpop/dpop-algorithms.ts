// A leaf module (no node:crypto), so code that only names the algorithms, such as the SDK's
// WWW-Authenticate challenge, does not pull the proof checker into the WebCrypto build.

/** Asymmetric algorithms accepted for proofs (RFC 9449 §4.2: never `none`, never a MAC). */
export type DpopAlgorithm = 'ES256' | 'ES384' | 'EdDSA' | 'RS256' | 'PS256';
export const DPOP_ALGORITHMS: readonly DpopAlgorithm[] = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'];
export const DPOP_PROOF_TYP = 'dpop+jwt';
