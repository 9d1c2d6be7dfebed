import type { ErrorCode } from '@gatehouse/core';
import type { Principal, VerifyResult } from '../types.ts';

/** A verdict now, or later when it needed I/O or WebCrypto: a cache hit is answered synchronously. */
export type Verdict = VerifyResult | Promise<VerifyResult>;

/** What a verifier counts for `metrics()`, and the verdicts that count themselves. */
export interface VerifierCounts {
  counts: {
    accepted: number;
    cacheHits: number;
    cacheMisses: number;
    cacheRevocations: number;
    cacheRefusals: number;
    staleRequests: number;
    introspections: number;
  };
  rejected: Partial<Record<ErrorCode, number>>;
  /** An acceptance, counted. */
  accept(principal: Principal): VerifyResult;
  /** A token's verdict before its binding is checked: counted by `countAccepted`, not here. */
  allow(principal: Principal): VerifyResult;
  countAccepted(result: VerifyResult): VerifyResult;
  reject(status: 401 | 503, code: ErrorCode, dpopDetails?: { nonce?: string }): VerifyResult;
}

export function createVerifierCounts(): VerifierCounts {
  const counts = {
    accepted: 0,
    cacheHits: 0,
    cacheMisses: 0,
    cacheRevocations: 0,
    cacheRefusals: 0,
    staleRequests: 0,
    introspections: 0,
  };
  const rejected: Partial<Record<ErrorCode, number>> = {};
  return {
    counts,
    rejected,
    accept(principal) {
      counts.accepted++;
      return { ok: true, principal };
    },
    allow(principal) {
      return { ok: true, principal };
    },
    countAccepted(result) {
      counts.accepted++;
      return result;
    },
    reject(status, code, dpopDetails) {
      rejected[code] = (rejected[code] ?? 0) + 1;
      if (!dpopDetails) return { ok: false, status, code };
      return {
        ok: false,
        status,
        code,
        scheme: 'DPoP',
        ...(dpopDetails.nonce === undefined ? {} : { dpopNonce: dpopDetails.nonce }),
      };
    },
  };
}
