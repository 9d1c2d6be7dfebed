import { Agent, request } from 'node:http';
import { quantileOfSorted } from './stats.ts';

export interface ProbeOptions {
  url: string;
  headers?: Record<string, string>;
  ratePerSecond: number;
  durationSeconds: number;
}

export interface ProbeResult {
  completed: number;
  failed: number;
  latencyMs: { p50: number; p99: number; max: number };
}

/**
 * An open-loop prober: sends GETs at a steady rate whatever the answers' speed (autocannon's rate
 * limit sends each second's requests in one burst), and times each one. At a modest rate the
 * service is far from saturated, so the latency shows how promptly its event loop answers.
 */
export async function probeLatency(options: ProbeOptions): Promise<ProbeResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const latencies: number[] = [];
  let failed = 0;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const send = () => {
    const start = performance.now();
    const done = new Promise<void>((resolve) => {
      const req = request(options.url, { agent, headers: options.headers ?? {} }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode === 200) latencies.push(performance.now() - start);
          else failed++;
          resolve();
        });
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.setTimeout(10_000, () => req.destroy());
      req.end();
    });
    inFlight.add(done);
    done.then(() => inFlight.delete(done));
  };
  const started = performance.now();
  const endAt = started + options.durationSeconds * 1000;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.floor(((Math.min(now, endAt) - started) * options.ratePerSecond) / 1000) - sent;
      for (let i = 0; i < due; i++, sent++) send();
      if (now >= endAt) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  await Promise.all(inFlight);
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    completed: sorted.length,
    failed,
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
