import { type Clock, createDpopProofChecker, DpopProofError, type ErrorCode } from '@gatehouse/core';
import type { VerifierDpopOptions, VerifyRequestInput } from '../types.ts';
import { isHttpsOrLoopback } from './validate-options.ts';

export type DpopRequestOutcome = { ok: true } | { ok: false; code: ErrorCode; nonce?: string };

/** Checks the DPoP proof of a request that presents a bound token; one per verifier (its replay cache). */
export interface DpopRequestChecker {
  check(request: VerifyRequestInput, accessToken: string, jkt: string): DpopRequestOutcome;
}

function fail(message: string): never {
  throw new TypeError(`createVerifier: ${message}`);
}

/** The path of a request target: `/a?b` → `/a`; an absolute URL's host is ignored (the base decides). */
function pathOf(target: string): string | null {
  if (target.startsWith('/')) return target.split('?', 1)[0]!.split('#', 1)[0]!;
  try {
    return new URL(target).pathname;
  } catch {
    return null;
  }
}

/**
 * The SDK side of RFC 9449 §7: the core proof check (shared with the auth server) against the
 * URL clients address this service by (`baseUrl` + path, never the Host header) and the method,
 * with `ath` and the token's `cnf.jkt`. Null when DPoP is not configured.
 */
export function createDpopRequestChecker(
  options: VerifierDpopOptions | undefined,
  clock: Clock,
): DpopRequestChecker | null {
  if (options === undefined) return null;
  if (typeof options !== 'object' || options === null) fail('dpop must be { baseUrl }');
  let base: URL;
  try {
    base = new URL(String(options.baseUrl));
  } catch {
    fail('dpop.baseUrl must be an absolute URL');
  }
  if (!isHttpsOrLoopback(base)) fail('dpop.baseUrl must use https (plain http only on loopback)');
  if (base.search || base.hash || base.username)
    fail('dpop.baseUrl must have no query, fragment or credentials');
  const prefix = `${base.origin}${base.pathname.replace(/\/$/, '')}`;
  let proofs: ReturnType<typeof createDpopProofChecker>;
  try {
    proofs = createDpopProofChecker({
      clock,
      ...(options.algorithms ? { algorithms: options.algorithms } : {}),
      ...(options.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: options.maxAgeSeconds }),
      ...(options.replayCacheSize === undefined ? {} : { replayCacheSize: options.replayCacheSize }),
      ...(options.nonces ? { nonces: options.nonces } : {}),
    });
  } catch (error) {
    fail(`dpop: ${(error as Error).message}`);
  }

  return {
    check(request, accessToken, jkt) {
      const path = typeof request.url === 'string' ? pathOf(request.url) : null;
      if (path === null || typeof request.method !== 'string') return { ok: false, code: 'ERR_DPOP_PROOF' };
      const proof = request.headers.dpop;
      try {
        proofs.check({
          proof: typeof proof === 'string' || Array.isArray(proof) ? proof : undefined,
          method: request.method,
          url: `${prefix}${path}`,
          accessToken,
          expectedJkt: jkt,
        });
        return { ok: true };
      } catch (error) {
        if (!(error instanceof DpopProofError)) throw error;
        if (error.code === 'ERR_DPOP_NONCE' && proofs.nonces)
          return { ok: false, code: error.code, nonce: proofs.nonces.current() };
        return { ok: false, code: error.code };
      }
    },
  };
}
