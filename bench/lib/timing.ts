import { type Summary, summarize } from './stats.ts';

export interface MeasureOptions {
  /** How many timed runs the summary is made of. */
  runs: number;
  /** Target length of one run; the iteration count is calibrated to reach it. */
  runMs: number;
}

export interface Measurement {
  /** Microseconds per operation, one sample per run. */
  microsPerOp: Summary;
  iterationsPerRun: number;
  /** Every run's µs/op in run order: run i of every case was taken in the same round. */
  samples: number[];
}

export interface TimedCase {
  name: string;
  operation: () => unknown;
  /** Awaited per call when true; a synchronous operation is not, so it carries no promise cost. */
  isAsync: boolean;
  /**
   * Throws unless the operation does what is being measured (accepts the token, hits the cache).
   * Run before timing and again after: a benchmark of a rejection proves nothing.
   */
  check?: () => Promise<void>;
}

export type CaseMeasurement = { ok: true; measurement: Measurement } | { ok: false; error: unknown };

async function timeBatch(operation: () => unknown, iterations: number, isAsync: boolean): Promise<number> {
  const start = performance.now();
  if (isAsync) for (let i = 0; i < iterations; i++) await operation();
  else for (let i = 0; i < iterations; i++) operation();
  return performance.now() - start;
}

/**
 * Lets timers run. A loop of awaited, already-settled promises never leaves the microtask queue,
 * so without this a verifier's feed heartbeat would starve and the verifier would turn stale.
 */
function yieldToTimers(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The iteration count that makes one run last about `runMs`; also warms the JIT and caches. */
async function calibrate(timedCase: TimedCase, runMs: number): Promise<number> {
  let iterations = 1;
  let elapsed = await timeBatch(timedCase.operation, iterations, timedCase.isAsync);
  while (elapsed < runMs / 4) {
    iterations *= 4;
    elapsed = await timeBatch(timedCase.operation, iterations, timedCase.isAsync);
    await yieldToTimers();
  }
  return Math.max(1, Math.round((iterations * runMs) / Math.max(elapsed, 1e-3)));
}

/**
 * Measures several operations against each other: each is calibrated so a run lasts about
 * `runMs`, then the runs are interleaved (run 1 of every case, then run 2...), so that whatever
 * else the machine does during the measurement falls on every case alike instead of skewing the
 * ratios. Each sample is the mean of one run, so timer resolution never matters; the spread
 * across runs is what the report shows. A case that throws, or fails its check, is reported as
 * failed and the others go on.
 */
export async function measureInterleaved(
  cases: TimedCase[],
  options: MeasureOptions,
): Promise<CaseMeasurement[]> {
  const state = cases.map(() => ({ iterations: 0, samples: [] as number[], error: undefined as unknown }));
  const guard = async (index: number, step: () => Promise<void>) => {
    if (state[index]!.error !== undefined) return;
    try {
      await step();
    } catch (error) {
      state[index]!.error = error ?? new Error('failed');
    }
  };
  for (const [index, timedCase] of cases.entries()) {
    await guard(index, async () => {
      await timedCase.check?.();
      state[index]!.iterations = await calibrate(timedCase, options.runMs);
    });
  }
  for (let run = 0; run < options.runs; run++) {
    for (const [index, timedCase] of cases.entries()) {
      await guard(index, async () => {
        const { iterations } = state[index]!;
        state[index]!.samples.push(
          ((await timeBatch(timedCase.operation, iterations, timedCase.isAsync)) * 1000) / iterations,
        );
      });
      await yieldToTimers();
    }
  }
  for (const [index, timedCase] of cases.entries()) await guard(index, async () => timedCase.check?.());
  return state.map(({ iterations, samples, error }) =>
    error === undefined
      ? { ok: true, measurement: { microsPerOp: summarize(samples), iterationsPerRun: iterations, samples } }
      : { ok: false, error },
  );
}

/** Resolves after `ms`; for pacing, not for measuring. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The wall clock in milliseconds with sub-millisecond resolution. Comparable across processes on
 * one machine (each process's timeOrigin is taken from the same system clock), which is what the
 * revocation scenario needs to time an event from one process to another.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
