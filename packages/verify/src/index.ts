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
export {
  createPullFeedSource,
  type PullAnswer,
  type PullFeedSource,
  type PullFeedSourceOptions,
} from './pull-feed-source.ts';
// The feed sources and types a service needs, so that nothing else has to be installed.
export {
  type Clock,
  createInProcessFeed,
  createSseFeedSource,
  type ErrorCode,
  FeedCursorExpiredError,
  type FeedMessage,
  type FeedSource,
  type InProcessFeed,
  type InProcessFeedOptions,
  type RevocationEvent,
  type SigningAlgorithm,
  type SseFeedSourceOptions,
  systemClock,
} from '@gatehouse/core';
