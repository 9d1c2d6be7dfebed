import {
  type AnomalyAlert,
  type AnomalyRule,
  anomalyThreshold,
  type Clock,
  type ResolvedAnomalyRule,
  resolveAnomalyRule,
} from '@gatehouse/core';
import { ACTIVITY_NAMES, type ActivityBucket, type ActivityName } from './activity-series.ts';
import type { SharedCounters } from './shared-counters.ts';

export interface DetectorStatus {
  bucketStart: number;
  count: number;
  baseline: number;
  threshold: number;
}

export interface SharedStats<Kind extends string> {
  /** Counts one event for the chart (one increment). */
  record(name: ActivityName): Promise<void>;
  /**
   * Counts one event of `kind` for the anomaly detector (one increment) and returns the alert when
   * this event made the deployment-wide count reach the threshold: exactly one instance sees that.
   */
  spike(kind: Kind): Promise<AnomalyAlert<Kind> | null>;
  /** The chart's buckets, oldest first, all instances together (one read, cached `cacheMs`). */
  snapshot(): Promise<ActivityBucket[]>;
  status(kind: Kind): Promise<DetectorStatus>;
}

const activityKey = (name: ActivityName, bucket: number) => `a:${name}:${bucket}`;
const detectorKey = (kind: string, rule: ResolvedAnomalyRule, bucket: number) =>
  `d:${kind}:${rule.bucketMs}:${bucket}`;

type Baseline = Promise<{ baseline: number; threshold: number }>;

/** The previous buckets are closed: their median is read once per bucket and instance. */
function createBaselineReader<Kind extends string>(counters: SharedCounters) {
  const baselines = new Map<Kind, { bucket: number; figures: Baseline }>();
  return function figuresFor(kind: Kind, rule: ResolvedAnomalyRule, bucket: number): Baseline {
    const known = baselines.get(kind);
    if (known?.bucket === bucket) return known.figures;
    const keys: string[] = [];
    for (let back = rule.baselineBuckets; back >= 1; back--)
      keys.push(detectorKey(kind, rule, bucket - back));
    const figures = counters.read(keys).then((history) => anomalyThreshold(rule, history));
    baselines.set(kind, { bucket, figures });
    // A failed read is not remembered: the next event tries again.
    figures.catch(() => {
      if (baselines.get(kind)?.figures === figures) baselines.delete(kind);
    });
    return figures;
  };
}

/** The chart's `length` buckets up to `end`, oldest first, in one read. */
async function readActivityBuckets(
  counters: SharedCounters,
  window: { end: number; length: number; bucketMs: number },
): Promise<ActivityBucket[]> {
  const { end, length, bucketMs } = window;
  const starts: number[] = [];
  for (let index = length - 1; index >= 0; index--) starts.push(end - index * bucketMs);
  const keys = starts.flatMap((start) => ACTIVITY_NAMES.map((name) => activityKey(name, start / bucketMs)));
  const values = await counters.read(keys);
  return starts.map((start, row) => {
    const bucket = { start } as ActivityBucket;
    ACTIVITY_NAMES.forEach((name, column) => {
      bucket[name] = values[row * ACTIVITY_NAMES.length + column] ?? 0;
    });
    return bucket;
  });
}

/**
 * `/admin/stats` and the anomaly detector over counters that every instance shares: one key per
 * name and bucket (`a:<name>:<bucket>`, `d:<kind>:<bucketMs>:<bucket>`), each expiring once it is
 * out of the window. The same rule as the core detector (the median of the previous buckets, every
 * one of them read from the shared counters, empty ones 0); the baseline is read once per bucket.
 */
export function createSharedStats<Kind extends string>(options: {
  clock: Clock;
  counters: SharedCounters;
  bucketMs: number;
  length: number;
  rules: Record<Kind, AnomalyRule>;
  cacheMs?: number;
}): SharedStats<Kind> {
  const { clock, counters, bucketMs, length, cacheMs = 1_000 } = options;
  const activityTtlMs = bucketMs * (length + 1);
  const rules = new Map<Kind, ResolvedAnomalyRule>();
  for (const kind of Object.keys(options.rules) as Kind[])
    rules.set(kind, resolveAnomalyRule(kind, options.rules[kind]));
  const figuresFor = createBaselineReader<Kind>(counters);
  let cached: { until: number; end: number; buckets: Promise<ActivityBucket[]> } | null = null;

  function ruleOf(kind: Kind): ResolvedAnomalyRule {
    const rule = rules.get(kind);
    if (!rule) throw new TypeError(`no anomaly rule for ${JSON.stringify(kind)}`);
    return rule;
  }

  return {
    async record(name) {
      await counters.increment(activityKey(name, Math.floor(clock.now() / bucketMs)), activityTtlMs);
    },

    async spike(kind) {
      const rule = ruleOf(kind);
      const now = clock.now();
      const bucket = Math.floor(now / rule.bucketMs);
      const ttlMs = rule.bucketMs * (rule.baselineBuckets + 2);
      const [count, { baseline, threshold }] = await Promise.all([
        counters.increment(detectorKey(kind, rule, bucket), ttlMs),
        figuresFor(kind, rule, bucket),
      ]);
      // Increments are atomic and by one: exactly one of them, on one instance, returns the threshold.
      if (count !== threshold) return null;
      return { kind, bucketStart: bucket * rule.bucketMs, at: now, count, baseline, threshold };
    },

    snapshot() {
      const end = Math.floor(clock.now() / bucketMs) * bucketMs;
      const wall = Date.now();
      if (cached && cached.end === end && wall < cached.until) return cached.buckets;
      const buckets = readActivityBuckets(counters, { end, length, bucketMs });
      cached = { until: wall + cacheMs, end, buckets };
      buckets.catch(() => {
        if (cached?.buckets === buckets) cached = null;
      });
      return buckets;
    },

    async status(kind) {
      const rule = ruleOf(kind);
      const bucket = Math.floor(clock.now() / rule.bucketMs);
      const [[count = 0], figures] = await Promise.all([
        counters.read([detectorKey(kind, rule, bucket)]),
        figuresFor(kind, rule, bucket),
      ]);
      return { bucketStart: bucket * rule.bucketMs, count, ...figures };
    },
  };
}
