// A leaf module (no node:*): the verifier SDK's WebCrypto build imports it.
import { DPOP_ALGORITHMS } from '../dpop/dpop-algorithms.ts';
import type { ErrorCode } from '../errors.ts';
import type { TokenScheme } from './credentials.ts';

/** What a refused credential is answered with, by the auth server and by the SDK's adapters alike. */
export interface CredentialRefusal {
  status: 401;
  /** The body is `{error}`: never why, never any part of the credential. */
  error: 'invalid_token' | 'invalid_dpop_proof' | 'use_dpop_nonce';
  headers: { 'www-authenticate': string };
}

/** RFC 6750 §3.1: a request that carried no credentials gets the challenge without an error code. */
export const BEARER_CHALLENGE = 'Bearer';
/** RFC 6750 §3: a rejected credential says so, with nothing more specific. */
export const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

/** RFC 9449 §7.1: the DPoP challenge, naming the proof algorithms accepted. */
export function dpopChallenge(error: CredentialRefusal['error']): string {
  return `DPoP error="${error}", algs="${DPOP_ALGORITHMS.join(' ')}"`;
}

/**
 * The 401 for a refused credential, from its code and the scheme the request used:
 * - no credentials (`ERR_UNAUTHENTICATED`): the bare `Bearer` challenge;
 * - a bad proof or a missing nonce: the DPoP challenge with `invalid_dpop_proof` or `use_dpop_nonce`;
 * - a binding problem (`ERR_TOKEN_BINDING`), or any bad token under the DPoP scheme: the DPoP
 *   challenge with `invalid_token`;
 * - any other bad, expired or revoked token or session: `Bearer error="invalid_token"`.
 * The body's `error` is the challenge's (`invalid_token` when it has none).
 *
 * @example
 * refuseCredential('ERR_TOKEN_EXPIRED'); // 401 invalid_token, Bearer error="invalid_token"
 */
export function refuseCredential(code: ErrorCode, scheme?: TokenScheme): CredentialRefusal {
  if (code === 'ERR_DPOP_PROOF') return dpop('invalid_dpop_proof');
  if (code === 'ERR_DPOP_NONCE') return dpop('use_dpop_nonce');
  if (code === 'ERR_TOKEN_BINDING' || scheme === 'DPoP') return dpop('invalid_token');
  const challenge = code === 'ERR_UNAUTHENTICATED' ? BEARER_CHALLENGE : INVALID_TOKEN_CHALLENGE;
  return { status: 401, error: 'invalid_token', headers: { 'www-authenticate': challenge } };
}

function dpop(error: CredentialRefusal['error']): CredentialRefusal {
  return { status: 401, error, headers: { 'www-authenticate': dpopChallenge(error) } };
}

/** The body of a 503 (feed stale, store down, hashing at capacity): the client may retry. */
export const UNAVAILABLE_ERROR = 'temporarily_unavailable';
