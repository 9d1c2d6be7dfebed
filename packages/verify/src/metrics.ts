import type { Verifier, VerifierMetrics } from './types.ts';

/** One sample, as prom-client's registry reads it from a metric's `get()`. */
export interface MetricSample {
  value: number;
  labels: Record<string, string>;
}

/** What a metric's `get()` resolves to: prom-client's `MetricObjectWithValues`, structurally. */
export interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  /** How prom-client's cluster mode merges workers: sum counts, keep the worst lag. */
  aggregator: 'sum' | 'max';
  values: MetricSample[];
}

/**
 * A collector prom-client's `Registry` accepts: it reads `name`, `help`, `type` and `aggregator`,
 * calls `get()` at every scrape and `reset()` from `resetMetrics()`. Nothing is stored: each
 * scrape reads `verifier.metrics()` afresh.
 */
export interface VerifierCollector extends Omit<CollectedMetric, 'values'> {
  get(): Promise<CollectedMetric>;
  reset(): void;
}

/**
 * Anything with prom-client's `registerMetric`. Typed `never` on purpose: prom-client declares the
 * parameter as its own metric classes, so a structural collector only fits a parameter that
 * accepts nothing in particular; the SDK thereby needs no prom-client types or runtime.
 */
export interface MetricsRegistry {
  registerMetric(metric: never): void;
}

export interface VerifierMetricsOptions {
  /** Prefix of every metric name; give each verifier in one registry its own. Default `gatehouse_verifier_`. */
  prefix?: string;
}

type Definition = {
  name: string;
  help: string;
  type: CollectedMetric['type'];
  aggregator: CollectedMetric['aggregator'];
  read: (metrics: VerifierMetrics) => MetricSample[];
};

const one = (value: number): MetricSample[] => [{ value, labels: {} }];

const DEFINITIONS: readonly Definition[] = [
  {
    name: 'feed_lag_seconds',
    help: 'Seconds since the last revocation-feed message (event or heartbeat); +Inf before the first.',
    type: 'gauge',
    aggregator: 'max',
    read: (m) => one(m.feedLagMs / 1000),
  },
  {
    name: 'feed_stale',
    help: '1 while the feed has been silent past maxStalenessMs (requests fail closed or introspect), else 0.',
    type: 'gauge',
    aggregator: 'max',
    read: (m) => one(m.stale ? 1 : 0),
  },
  {
    name: 'stale_requests_total',
    help: 'Requests that arrived while the feed was stale.',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => one(m.staleRequests),
  },
  {
    name: 'feed_events_total',
    help: 'Revocation events applied from the feed.',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => one(m.feedEvents),
  },
  {
    name: 'feed_reconnects_total',
    help: 'Times the feed connection was re-established.',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => one(m.feedReconnects),
  },
  {
    name: 'cache_hits_total',
    help: 'Requests answered from the verification cache.',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => one(m.cacheHits),
  },
  {
    name: 'cache_misses_total',
    help: 'Requests the cache could not answer (verified in full).',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => one(m.cacheMisses),
  },
  {
    name: 'cache_entries',
    help: 'Tokens and sessions in the verification cache.',
    type: 'gauge',
    aggregator: 'sum',
    read: (m) => one(m.cacheSize),
  },
  {
    name: 'cache_revocations_total',
    help: 'Cached entries dropped because a revocation event named them.',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => one(m.cacheRevocations),
  },
  {
    name: 'cache_refusals_total',
    help: 'Requests refused from the verification cache: a revoked credential presented again.',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => one(m.cacheRefusals),
  },
  {
    name: 'cache_tombstones',
    help: 'Revoked credentials the verification cache remembers, to refuse without verifying again.',
    type: 'gauge',
    aggregator: 'sum',
    read: (m) => one(m.cacheTombstones),
  },
  {
    name: 'revocation_set_entries',
    help: 'Live entries in the revocation set (bounded by the access-token lifetime).',
    type: 'gauge',
    aggregator: 'sum',
    read: (m) => one(m.revocationSetSize),
  },
  {
    name: 'accepted_total',
    help: 'Requests accepted.',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => one(m.accepted),
  },
  {
    name: 'rejected_total',
    help: 'Requests refused, by error code.',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => Object.entries(m.rejected).map(([code, value]) => ({ value: value ?? 0, labels: { code } })),
  },
  {
    name: 'jwks_fetches_total',
    help: 'JWKS fetches (start-up and unknown-kid refetches).',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => one(m.jwksFetches),
  },
  {
    name: 'introspections_total',
    help: 'Tokens checked by introspection while the feed was stale.',
    type: 'counter',
    aggregator: 'sum',
    read: (m) => one(m.introspections),
  },
];

/**
 * Exposes a verifier's counters (feed lag and staleness, cache hits and misses, rejections by
 * code, ...) in a prom-client `Registry`, read from `verifier.metrics()` at each scrape. The SDK
 * does not depend on prom-client: it registers plain objects shaped like prom-client metrics.
 * Returns the registered metric names (for `registry.removeSingleMetric`).
 *
 * @example
 * import { Registry } from 'prom-client';
 * import { registerVerifierMetrics } from '@gatehouse/verify';
 *
 * const registry = new Registry();
 * registerVerifierMetrics(verifier, registry);
 * app.get('/metrics', async () => registry.metrics());
 */
export function registerVerifierMetrics(
  verifier: Pick<Verifier, 'metrics'>,
  registry: MetricsRegistry,
  options: VerifierMetricsOptions = {},
): string[] {
  const prefix = options.prefix ?? 'gatehouse_verifier_';
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix))
    throw new TypeError('prefix must be a Prometheus metric name prefix');
  if (typeof verifier?.metrics !== 'function') throw new TypeError('verifier with metrics() is required');
  if (typeof registry?.registerMetric !== 'function')
    throw new TypeError('registry with registerMetric() is required');
  return DEFINITIONS.map((definition) => {
    const name = `${prefix}${definition.name}`;
    const { help, type, aggregator } = definition;
    const collector: VerifierCollector = {
      name,
      help,
      type,
      aggregator,
      async get() {
        return { name, help, type, aggregator, values: definition.read(verifier.metrics()) };
      },
      // The figures belong to the verifier; a registry reset has nothing of its own to clear.
      reset() {},
    };
    registry.registerMetric(collector as never);
    return name;
  });
}
