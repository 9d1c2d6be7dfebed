/** The summary every repeated measurement is reported with: the median and its spread. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  /** First and third quartiles (linear interpolation, as numpy's default). */
  q1: number;
  q3: number;
}

/** The q-quantile (0..1) of the samples, interpolating linearly between closest ranks. */
export function quantile(samples: readonly number[], q: number): number {
  return quantileOfSorted(
    [...samples].sort((a, b) => a - b),
    q,
  );
}

/** `quantile` for samples already sorted ascending (sort once, read several quantiles). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no samples');
  if (!(q >= 0 && q <= 1)) throw new RangeError('q must be within 0..1');
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const fraction = position - below;
  return sorted[below]! + (sorted[above]! - sorted[below]!) * fraction;
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('summary of no samples');
  return {
    n: samples.length,
    median: median(samples),
    // A loop, not Math.min(...samples): spreading a large array overflows the call stack.
    min: samples.reduce((a, b) => Math.min(a, b)),
    max: samples.reduce((a, b) => Math.max(a, b)),
    q1: quantile(samples, 0.25),
    q3: quantile(samples, 0.75),
  };
}

/**
 * A per-operation time summary turned into a rate summary (µs/op → ops/s). The order flips: the
 * slowest run gives the lowest rate. The median maps exactly because 1/x is monotonic.
 */
export function invertSummary(summary: Summary, scale = 1e6): Summary {
  return {
    n: summary.n,
    median: scale / summary.median,
    min: scale / summary.max,
    max: scale / summary.min,
    q1: scale / summary.q3,
    q3: scale / summary.q1,
  };
}

/** value / baseline; NaN when either is missing or the baseline is zero, so callers print "–". */
export function ratio(value: number | undefined, baseline: number | undefined): number {
  if (value === undefined || baseline === undefined || baseline === 0) return Number.NaN;
  return value / baseline;
}
