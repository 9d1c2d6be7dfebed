import type { Verifier, VerifyRequestInput } from '../types.ts';
import type { Verdict } from './verifier-counts.ts';

/**
 * Where a verifier made by `createVerifier` keeps `verifyRequest` without its promise: the answer
 * itself when it is known at once (a cache hit), a promise otherwise. A registered symbol, so the
 * adapters find it across separately bundled entry points; not part of the public API.
 */
export const VERIFY_NOW: unique symbol = Symbol.for('gatehouse.verify.verifyRequestNow') as never;

/**
 * `verifier.verifyRequest`, but synchronous when the verifier can answer at once; its fast entry
 * is looked up once, here, not on every request. Any other Verifier (a wrapper, a test double) is
 * simply asked through `verifyRequest`. The function may throw where `verifyRequest` would reject.
 */
export function verifierNow(verifier: Verifier): (request: VerifyRequestInput) => Verdict {
  const now = (verifier as { [VERIFY_NOW]?: (request: VerifyRequestInput) => Verdict })[VERIFY_NOW];
  return now ?? ((request) => verifier.verifyRequest(request));
}
