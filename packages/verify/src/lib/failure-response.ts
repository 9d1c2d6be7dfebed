import { DPOP_ALGORITHMS } from '@gatehouse/core';
import type { VerifyResult } from '../types.ts';

export interface FailureResponse {
  status: 401 | 503;
  headers: Record<string, string>;
  body: { error: string };
}

/**
 * The one translation of a refusal into HTTP that every adapter uses. Bodies are generic; the
 * precise `code` is for the host's logs and metrics. RFC 6750 §3.1: no `error` attribute when the
 * request carried no credential at all.
 */
export function toFailureResponse(result: Extract<VerifyResult, { ok: false }>): FailureResponse {
  if (result.status === 503) {
    return {
      status: 503,
      headers: { 'cache-control': 'no-store', 'retry-after': '1' },
      body: { error: 'temporarily_unavailable' },
    };
  }
  if (result.scheme === 'DPoP') {
    // RFC 9449 §7.1: the DPoP challenge; `invalid_dpop_proof` for the proof, `invalid_token` otherwise.
    const error =
      result.code === 'ERR_DPOP_PROOF'
        ? 'invalid_dpop_proof'
        : result.code === 'ERR_DPOP_NONCE'
          ? 'use_dpop_nonce'
          : 'invalid_token';
    return {
      status: 401,
      headers: {
        'cache-control': 'no-store',
        'www-authenticate': `DPoP error="${error}", algs="${DPOP_ALGORITHMS.join(' ')}"`,
        ...(result.dpopNonce === undefined ? {} : { 'dpop-nonce': result.dpopNonce }),
      },
      body: { error: 'unauthorized' },
    };
  }
  const challenge = result.code === 'ERR_UNAUTHENTICATED' ? 'Bearer' : 'Bearer error="invalid_token"';
  return {
    status: 401,
    headers: { 'cache-control': 'no-store', 'www-authenticate': challenge },
    body: { error: 'unauthorized' },
  };
}
