// WebCrypto build: replaces packages/verify/src/lib/dpop-request.ts. The DPoP proof check (core
// dpop/) is synchronous on node:crypto and has no WebCrypto variant yet, so this build accepts no
// `dpop` option: asking for it throws at creation (never at the first request), and without it a
// DPoP-bound token is refused as it is on Node without the option. Bearer tokens are unaffected.
import type { Clock, ErrorCode } from '../../../core/src/index.ts';
import type { VerifierDpopOptions, VerifyRequestInput } from '../types.ts';

export type DpopRequestOutcome = { ok: true } | { ok: false; code: ErrorCode; nonce?: string };

export interface DpopRequestChecker {
  check(request: VerifyRequestInput, accessToken: string, jkt: string): DpopRequestOutcome;
}

export function createDpopRequestChecker(
  options: VerifierDpopOptions | undefined,
  _clock: Clock,
): DpopRequestChecker | null {
  if (options === undefined) return null;
  throw new TypeError(
    'createVerifier: dpop is not supported by the WebCrypto build (Deno, Bun, workerd, browsers) yet; verify DPoP-bound tokens on Node',
  );
}
