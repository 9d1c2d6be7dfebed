import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { quantileOfSorted, type Summary, summarize } from './stats.ts';

export interface LoadOptions {
  url: string;
  durationSeconds: number;
  connections?: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Requests per second across all connections (autocannon `overallRate`); default: as fast as answered. */
  overallRate?: number;
}

export interface LoadResult {
  /** Completed requests per second, one sample per quarter second. */
  requestsPerSecond: Summary;
  /** The raw samples behind the summaries, so runs of one case can be merged. */
  rateSamples: number[];
  latencySamples: Float64Array;
  latencyMs: { p50: number; p99: number; max: number };
  completed: number;
  non2xx: number;
  errors: number;
  /** Status codes seen, e.g. { 200: 51234 }. */
  statusCodes: Record<string, number>;
}

/** Sampling interval. Also autocannon's in a lone run: it checks for the end of the run once per interval. */
const SAMPLE_MS = 250;

/**
 * autocannon's tick in loads counted together (`startCountedLoad`): they are stopped by the caller,
 * and each then ends at its next tick, so a short one keeps the tail after the window short.
 */
const TOGETHER_TICK_MS = 50;

/** One load whose responses are counted only between `open()` and `close()`, in this process or another. */
export interface CountedLoad {
  /** Resolves once the load is under way. */
  started: Promise<void>;
  open(): void;
  close(): void;
  /** Stops the load; its result: `completed`, rates and latencies as counted, errors and status codes over the whole run. */
  finish(): Promise<LoadResult>;
}

/** One autocannon run whose responses are counted only between `open()` and `close()`. */
function startCounted(options: LoadOptions, sampleInt: number) {
  const latencies: number[] = [];
  const rates: number[] = [];
  let counting = false;
  let counted = 0;
  let inInterval = 0;
  let intervalStart = performance.now();
  let sampler: ReturnType<typeof setInterval> | undefined;
  const instance = autocannon({
    url: options.url,
    connections: options.connections ?? 10,
    duration: options.durationSeconds,
    sampleInt,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
    timeout: 10,
  });
  const started = new Promise<void>((resolve) => instance.on('start', () => resolve()));
  const closeInterval = (minimumMs: number) => {
    const now = performance.now();
    const elapsedMs = now - intervalStart;
    // A sliver at the end (the run stopping mid-interval) would be a noisy sample; it is dropped.
    if (elapsedMs >= minimumMs) rates.push((inInterval * 1000) / elapsedMs);
    inInterval = 0;
    intervalStart = now;
  };
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    if (!counting) return;
    counted++;
    inInterval++;
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  return {
    instance,
    started,
    open(): void {
      counting = true;
      inInterval = 0;
      intervalStart = performance.now();
      sampler = setInterval(() => closeInterval(0), SAMPLE_MS);
    },
    close(): void {
      clearInterval(sampler);
      if (counting) closeInterval(SAMPLE_MS / 2);
      counting = false;
    },
    summary(result: Awaited<typeof instance>, completed = counted): LoadResult {
      return summarizeLoad({
        rateSamples: rates,
        latencySamples: Float64Array.from(latencies),
        completed,
        non2xx: result.non2xx,
        errors: result.errors,
        statusCodes: Object.fromEntries(
          Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
        ),
      });
    },
  };
}

/**
 * A load for `countTogether`: it runs until `finish()` (a backstop ends it 10 s past `untilSeconds`
 * should nobody call it), with a short autocannon tick so that it stops soon after.
 */
export function startCountedLoad(
  options: Omit<LoadOptions, 'durationSeconds'>,
  untilSeconds: number,
): CountedLoad {
  const run = startCounted({ ...options, durationSeconds: untilSeconds + 10 }, TOGETHER_TICK_MS);
  return {
    started: run.started,
    open: run.open,
    close: run.close,
    async finish() {
      run.instance.stop();
      return run.summary(await run.instance);
    },
  };
}

/**
 * One bounded autocannon run (it stops by itself after `durationSeconds`). Throughput is sampled
 * four times a second so even a one-second smoke run has a spread; latencies come from every 2xx
 * response at full resolution, as autocannon's own histogram keeps whole milliseconds, too coarse
 * for a loopback server answering in a fraction of one.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const run = startCounted(options, SAMPLE_MS);
  run.instance.on('start', () => run.open());
  let result: Awaited<typeof run.instance>;
  try {
    result = await run.instance;
  } finally {
    run.close();
  }
  return run.summary(result, result.requests.total);
}

/** The shared window of `countTogether`, and readings to take at its edges (CPU time, say). */
export interface SharedWindow {
  seconds: number;
  /** How long every load runs before the window opens: connections made, all of them under way. */
  leadInSeconds: number;
  onOpen?: () => void;
  onClose?: () => void;
}

/**
 * Several loads at once, each counted over the very same window: once all have started and run
 * `leadInSeconds`, their responses are counted for `seconds`, then all are stopped. (autocannon
 * alone notices the end of its duration only at its next tick, so of two runs of equal duration
 * one sometimes ran a tick longer: on a shared CPU it had that tick to itself, and a pair's ratio
 * read 1.5× where it was 1.0×.)
 */
export async function countTogether(loads: CountedLoad[], window: SharedWindow): Promise<LoadResult[]> {
  try {
    await Promise.all(loads.map((load) => load.started));
    await sleep(window.leadInSeconds * 1000);
    // Opened and closed in one synchronous step each: in this process no response falls between
    // two loads' edges; in load processes, the messages leave together.
    window.onOpen?.();
    for (const load of loads) load.open();
    await sleep(window.seconds * 1000);
    for (const load of loads) load.close();
    window.onClose?.();
  } catch (error) {
    await Promise.allSettled(loads.map((load) => load.finish()));
    throw error;
  }
  return Promise.all(loads.map((load) => load.finish()));
}

type RawLoad = Omit<LoadResult, 'requestsPerSecond' | 'latencyMs'>;

function summarizeLoad(raw: RawLoad): LoadResult {
  const sorted = raw.latencySamples.slice().sort();
  return {
    ...raw,
    latencySamples: sorted,
    requestsPerSecond: summarize(raw.rateSamples.length > 0 ? raw.rateSamples : [0]),
    latencyMs:
      sorted.length === 0
        ? { p50: Number.NaN, p99: Number.NaN, max: Number.NaN }
        : {
            p50: quantileOfSorted(sorted, 0.5),
            p99: quantileOfSorted(sorted, 0.99),
            max: sorted[sorted.length - 1]!,
          },
  };
}

/** Several runs of one case as if they were one: samples pooled, counts added. */
export function mergeLoads(runs: LoadResult[]): LoadResult {
  const latencySamples = new Float64Array(runs.reduce((sum, run) => sum + run.latencySamples.length, 0));
  let offset = 0;
  for (const run of runs) {
    latencySamples.set(run.latencySamples, offset);
    offset += run.latencySamples.length;
  }
  const statusCodes: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, count] of Object.entries(run.statusCodes))
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  return summarizeLoad({
    rateSamples: runs.flatMap((run) => run.rateSamples),
    latencySamples,
    completed: runs.reduce((sum, run) => sum + run.completed, 0),
    non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    statusCodes,
  });
}
