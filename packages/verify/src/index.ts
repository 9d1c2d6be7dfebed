export { createVerifier } from './create-verifier.ts';
export { SESSION_COOKIE } from './lib/read-credential.ts';
export { JWKS_REFETCH_INTERVAL_MS } from './lib/jwks-keys.ts';
export {
  type CollectedMetric,
  type MetricSample,
  type MetricsRegistry,
  registerVerifierMetrics,
  type VerifierCollector,
  type VerifierMetricsOptions,
} from './metrics.ts';
export type {
  Principal,
  StalePolicy,
  Verifier,
  VerifierMetrics,
  VerifierOptions,
  VerifyRequestInput,
  VerifyResult,
} from './types.ts';
export {
  createIntrospectionClient,
  type IntrospectionClient,
  type IntrospectionClientOptions,
  IntrospectionError,
} from './introspection-client.ts';
