import type { Clock } from '@gatehouse/core';

export const ACTIVITY_NAMES = [
  'loginSuccess',
  'loginFailure',
  'refreshSuccess',
  'refreshFailure',
  'throttled',
  'alerts',
] as const;

export type ActivityName = (typeof ACTIVITY_NAMES)[number];

export type ActivityBucket = { start: number } & Record<ActivityName, number>;

export interface ActivitySeries {
  record(name: ActivityName): void;
  /** The last `length` buckets up to now, oldest first; empty ones included (all zero). */
  snapshot(): ActivityBucket[];
  readonly bucketMs: number;
}

function emptyBucket(start: number): ActivityBucket {
  return {
    start,
    loginSuccess: 0,
    loginFailure: 0,
    refreshSuccess: 0,
    refreshFailure: 0,
    throttled: 0,
    alerts: 0,
  };
}

/**
 * Recent auth outcomes in fixed buckets, for the admin page's live chart (`GET /admin/stats`).
 * Prometheus keeps the long history; this is the last few minutes of one process, in memory,
 * bounded at `length` buckets (the embedded server's, and the fallback when the shared counters fail).
 */
export function createActivitySeries(options: {
  clock: Clock;
  bucketMs: number;
  length: number;
}): ActivitySeries {
  const { clock, bucketMs, length } = options;
  const buckets: ActivityBucket[] = [];

  function current(): ActivityBucket {
    const start = Math.floor(clock.now() / bucketMs) * bucketMs;
    const last = buckets.at(-1);
    if (last && last.start >= start) return last;
    const bucket = emptyBucket(start);
    buckets.push(bucket);
    if (buckets.length > length) buckets.splice(0, buckets.length - length);
    return bucket;
  }

  return {
    bucketMs,
    record(name) {
      current()[name]++;
    },
    snapshot() {
      const end = Math.floor(clock.now() / bucketMs) * bucketMs;
      const byStart = new Map(buckets.map((bucket) => [bucket.start, bucket]));
      const result: ActivityBucket[] = [];
      for (let index = length - 1; index >= 0; index--) {
        const start = end - index * bucketMs;
        result.push({ ...(byStart.get(start) ?? emptyBucket(start)) });
      }
      return result;
    },
  };
}
