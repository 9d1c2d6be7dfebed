export { createVerifier } from './create-verifier.ts';
export { SESSION_COOKIE } from './lib/read-credential.ts';
export { JWKS_REFETCH_INTERVAL_MS } from './lib/jwks-keys.ts';
export type {
  Principal,
  StalePolicy,
  Verifier,
  VerifierMetrics,
  VerifierOptions,
  VerifyRequestInput,
  VerifyResult,
} from './types.ts';
