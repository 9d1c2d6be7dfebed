import { refuseCredential, UNAVAILABLE_ERROR } from '@gatehouse/core';
import type { VerifyResult } from '../types.ts';

export interface FailureResponse {
  status: 401 | 503;
  headers: Record<string, string>;
  body: { error: string };
}

/**
 * The one translation of a refusal into HTTP that every adapter uses: the auth server's own answer
 * (core protocol/refusal.ts), so a client sees the same status, challenge and body from both.
 * Bodies are generic; the precise `code` is for the host's logs and metrics. RFC 6750 §3.1: no
 * `error` attribute in the challenge when the request carried no credential at all.
 */
export function toFailureResponse(result: Extract<VerifyResult, { ok: false }>): FailureResponse {
  if (result.status === 503) {
    return {
      status: 503,
      headers: { 'cache-control': 'no-store', 'retry-after': '1' },
      body: { error: UNAVAILABLE_ERROR },
    };
  }
  const refusal = refuseCredential(result.code, result.scheme);
  return {
    status: refusal.status,
    headers: {
      'cache-control': 'no-store',
      ...refusal.headers,
      ...(result.dpopNonce === undefined ? {} : { 'dpop-nonce': result.dpopNonce }),
    },
    body: { error: refusal.error },
  };
}
