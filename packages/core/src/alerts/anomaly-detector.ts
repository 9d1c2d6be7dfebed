import type { Clock } from '../clock.ts';

/** When one kind of event counts as a spike. */
export interface AnomalyRule {
  /** Width of one bucket. Default 60 000 (per-minute counts). */
  bucketMs?: number;
  /** How many past buckets form the baseline (their median). Default 30. */
  baselineBuckets?: number;
  /** The current bucket must exceed this many times the baseline. Default 3. */
  factor?: number;
  /** ... and hold at least this many events, so a quiet baseline of 0 does not alert on 1. */
  minCount: number;
}

/** A raised alert: the bucket that crossed its threshold, with the figures that decided it. */
export interface AnomalyAlert<Kind extends string = string> {
  kind: Kind;
  /** Start of the bucket, ms since the epoch. */
  bucketStart: number;
  /** When the threshold was crossed. */
  at: number;
  /** Events in the bucket when it crossed. */
  count: number;
  /** Median of the previous `baselineBuckets` buckets (empty ones count as 0). */
  baseline: number;
  /** The count the bucket had to reach: max(minCount, the least integer above factor × baseline). */
  threshold: number;
}

export interface AnomalyDetector<Kind extends string> {
  /** Counts `count` events of `kind` now; returns the alert when this pushed the bucket over. */
  record(kind: Kind, count?: number): AnomalyAlert<Kind> | null;
  /** Where a kind stands now (for dashboards): the current bucket and its threshold. */
  status(kind: Kind): { bucketStart: number; count: number; baseline: number; threshold: number };
}

export interface AnomalyDetectorOptions<Kind extends string> {
  clock: Clock;
  rules: Record<Kind, AnomalyRule>;
  /** Called once per alert, after `record` decided it. */
  onAlert?: (alert: AnomalyAlert<Kind>) => void;
}

export interface ResolvedAnomalyRule {
  bucketMs: number;
  baselineBuckets: number;
  factor: number;
  minCount: number;
}

interface Track {
  rule: ResolvedAnomalyRule;
  /** Index (start / bucketMs) of the bucket being filled. */
  bucket: number;
  count: number;
  /** Counts of the buckets before it, oldest first, at most `baselineBuckets`. */
  history: number[];
  alerted: boolean;
}

export const defaultAnomalyRule = { bucketMs: 60_000, baselineBuckets: 30, factor: 3 } as const;

/** The rule with its defaults filled in; throws a TypeError on a value out of range. */
export function resolveAnomalyRule(kind: string, rule: AnomalyRule): ResolvedAnomalyRule {
  const resolved = { ...defaultAnomalyRule, ...rule };
  const { bucketMs, baselineBuckets, factor, minCount } = resolved;
  if (!Number.isInteger(bucketMs) || bucketMs < 1000)
    throw new TypeError(`${kind}: bucketMs must be a whole number >= 1000`);
  if (!Number.isInteger(baselineBuckets) || baselineBuckets < 1 || baselineBuckets > 1440)
    throw new TypeError(`${kind}: baselineBuckets must be between 1 and 1440`);
  if (!Number.isFinite(factor) || factor < 1) throw new TypeError(`${kind}: factor must be >= 1`);
  if (!Number.isInteger(minCount) || minCount < 1) throw new TypeError(`${kind}: minCount must be >= 1`);
  return resolved;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The bar for the current bucket: the median of `history` (the counts of the buckets before it,
 * empty ones as 0) and max(minCount, the least integer above factor × that median). Exported for
 * detectors that keep their counts elsewhere (the server's, shared by every instance).
 */
export function anomalyThreshold(
  rule: ResolvedAnomalyRule,
  history: readonly number[],
): { baseline: number; threshold: number } {
  const baseline = median(history);
  return { baseline, threshold: Math.max(rule.minCount, Math.floor(rule.factor * baseline) + 1) };
}

/**
 * Spots bursts of one kind of event against its own recent past: events are counted in fixed
 * buckets, and an alert is raised when the current bucket reaches `minCount` events *and* more
 * than `factor` × the median of the previous `baselineBuckets` buckets. The median (not the mean)
 * keeps one earlier spike from raising the bar for the next. At most one alert per kind and bucket.
 * Memory is bounded: `baselineBuckets` numbers per kind.
 *
 * @example
 * const detector = createAnomalyDetector({
 *   clock: systemClock,
 *   rules: { login_failure_spike: { minCount: 20 }, refresh_reuse_burst: { minCount: 3 } },
 *   onAlert: (alert) => log.warn(alert, 'anomaly'),
 * });
 * detector.record('login_failure_spike');
 */
export function createAnomalyDetector<Kind extends string>(
  options: AnomalyDetectorOptions<Kind>,
): AnomalyDetector<Kind> {
  const { clock, onAlert } = options;
  const tracks = new Map<Kind, Track>();
  for (const kind of Object.keys(options.rules) as Kind[]) {
    const rule = resolveAnomalyRule(kind, options.rules[kind]);
    tracks.set(kind, {
      rule,
      bucket: Math.floor(clock.now() / rule.bucketMs),
      count: 0,
      history: [],
      alerted: false,
    });
  }

  function trackFor(kind: Kind): Track {
    const track = tracks.get(kind);
    if (!track) throw new TypeError(`no anomaly rule for ${JSON.stringify(kind)}`);
    // Move to the current bucket, closing the ones that passed (empty buckets count as zero).
    const bucket = Math.floor(clock.now() / track.rule.bucketMs);
    if (bucket > track.bucket) {
      const passed = Math.min(bucket - track.bucket, track.rule.baselineBuckets);
      track.history.push(track.count);
      for (let gap = 1; gap < passed; gap++) track.history.push(0);
      if (track.history.length > track.rule.baselineBuckets)
        track.history.splice(0, track.history.length - track.rule.baselineBuckets);
      track.bucket = bucket;
      track.count = 0;
      track.alerted = false;
    }
    // A clock that steps back (NTP) keeps filling the current bucket rather than rewriting history.
    return track;
  }

  const thresholdOf = (track: Track) => anomalyThreshold(track.rule, track.history);

  return {
    record(kind, count = 1) {
      if (!Number.isInteger(count) || count < 1) throw new TypeError('count must be a positive integer');
      const track = trackFor(kind);
      track.count += count;
      if (track.alerted) return null;
      const { baseline, threshold } = thresholdOf(track);
      if (track.count < threshold) return null;
      track.alerted = true;
      const alert: AnomalyAlert<Kind> = {
        kind,
        bucketStart: track.bucket * track.rule.bucketMs,
        at: clock.now(),
        count: track.count,
        baseline,
        threshold,
      };
      onAlert?.(alert);
      return alert;
    },

    status(kind) {
      const track = trackFor(kind);
      return { bucketStart: track.bucket * track.rule.bucketMs, count: track.count, ...thresholdOf(track) };
    },
  };
}
