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

/** Sampling interval. Also autocannon's: it checks for the end of the run once per interval. */
const SAMPLE_MS = 250;

/**
 * One bounded autocannon run (it stops by itself after `durationSeconds`). Throughput is sampled
 * four times a second so even a one-second smoke run has a spread; latencies come from every 2xx
 * response at full resolution, as autocannon's own histogram keeps whole milliseconds, too coarse
 * for a loopback server answering in a fraction of one.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  const rates: number[] = [];
  let inInterval = 0;
  let intervalStart = performance.now();
  const instance = autocannon({
    url: options.url,
    connections: options.connections ?? 10,
    duration: options.durationSeconds,
    sampleInt: SAMPLE_MS,
    method: options.method ?? 'GET',
    headers: options.headers ?? {},
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
    timeout: 10,
  });
  const closeInterval = (minimumMs: number) => {
    const now = performance.now();
    const elapsedMs = now - intervalStart;
    // A sliver at the end (the run stopping mid-interval) would be a noisy sample; it is dropped.
    if (elapsedMs >= minimumMs) rates.push((inInterval * 1000) / elapsedMs);
    inInterval = 0;
    intervalStart = now;
  };
  instance.on('start', () => {
    inInterval = 0;
    intervalStart = performance.now();
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
    inInterval++;
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  const sampler = setInterval(() => closeInterval(0), SAMPLE_MS);
  let result: Awaited<typeof instance>;
  try {
    result = await instance;
  } finally {
    clearInterval(sampler);
  }
  closeInterval(SAMPLE_MS / 2);
  return summarizeLoad({
    rateSamples: rates,
    latencySamples: Float64Array.from(latencies),
    completed: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
    ),
  });
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
