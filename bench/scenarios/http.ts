import { attempt } from '../lib/cases.ts';
import { formatNumber, formatRatio, formatSpread } from '../lib/format.ts';
import { loadCase, startHttpService, warmUp } from '../lib/http-service.ts';
import { type LoadResult, mergeLoads } from '../lib/load.ts';
import { ratio } from '../lib/stats.ts';
import { emptyResult, type Scenario, type ScenarioResult } from '../lib/types.ts';
import type { HttpCase } from '../workers/http/types.ts';

const FEATURES = ['open', 'jwt-core', 'jwt-sdk', 'session-store', 'session-sdk', 'express-session'];

interface Measured {
  httpCase: HttpCase;
  load: LoadResult;
}

function addSections(result: ScenarioResult, measured: Measured[], connections: number): void {
  const open = measured.find((entry) => entry.httpCase.group === 'baseline')?.load;
  result.sections.push({
    title: 'Throughput and latency per guard',
    description: `${connections} connections, one request in flight on each; req/s is the median of quarter-second samples (min–max), latencies over every 2xx response.`,
    table: {
      columns: ['case', 'req/s (min–max)', '× unguarded', 'p50 ms', 'p99 ms', 'p99 × unguarded'],
      align: ['left', 'right', 'right', 'right', 'right', 'right'],
      rows: measured.map(({ httpCase, load }) => [
        httpCase.name,
        formatSpread(load.requestsPerSecond),
        formatRatio(ratio(load.requestsPerSecond.median, open?.requestsPerSecond.median)),
        formatNumber(load.latencyMs.p50),
        formatNumber(load.latencyMs.p99),
        formatRatio(ratio(load.latencyMs.p99, open?.latencyMs.p99)),
      ]),
    },
    chart: {
      title: 'Requests per second',
      unit: 'req/s',
      better: 'higher',
      bars: measured.map(({ httpCase, load }) => ({
        label: httpCase.name.replace(/ \(.*\)$/, ''),
        value: load.requestsPerSecond.median,
        low: load.requestsPerSecond.min,
        high: load.requestsPerSecond.max,
        baseline: httpCase.group === 'baseline',
      })),
    },
  });
  result.sections.push({
    title: 'Tail latency',
    table: {
      columns: ['case', 'p50 ms', 'p99 ms', 'max ms'],
      align: ['left', 'right', 'right', 'right'],
      rows: measured.map(({ httpCase, load }) => [
        httpCase.name,
        formatNumber(load.latencyMs.p50),
        formatNumber(load.latencyMs.p99),
        formatNumber(load.latencyMs.max),
      ]),
    },
    chart: {
      title: 'p99 latency',
      unit: 'ms',
      better: 'lower',
      bars: measured.map(({ httpCase, load }) => ({
        label: httpCase.name.replace(/ \(.*\)$/, ''),
        value: load.latencyMs.p99,
        baseline: httpCase.group === 'baseline',
      })),
    },
  });
  if (!open) return;
  const pick = (prefix: string) => measured.find((entry) => entry.httpCase.name.startsWith(prefix));
  const parts = [
    pick('JWT ES256, SDK'),
    pick('JWT ES256, core'),
    pick('session cookie, SDK'),
    pick('session cookie, PostgreSQL'),
    pick('session cookie, Redis'),
    pick('express-session'),
  ].flatMap((entry) =>
    entry
      ? [
          `${entry.httpCase.name.replace(/ \(.*\)$/, '')} ${formatRatio(ratio(entry.load.requestsPerSecond.median, open.requestsPerSecond.median))}`,
        ]
      : [],
  );
  result.headlines.push(
    `HTTP req/s as a fraction of the unguarded route (${formatNumber(open.requestsPerSecond.median)} req/s): ${parts.join('; ')}.`,
  );
}

export const httpScenario: Scenario = {
  name: 'http',
  title: 'HTTP: a tiny service, unguarded and guarded',
  async run(ctx) {
    const result = emptyResult();
    // Several short passes over every case rather than one long run each: background load on
    // the machine then falls on all cases alike instead of on whichever ran at the time.
    const passes = ctx.quick ? 1 : 3;
    const seconds = ctx.quick ? 1 : 2;
    const warmUpSeconds = ctx.quick ? 0.25 : 0.5;
    const connections = 10;
    const service = await startHttpService(ctx, FEATURES);
    try {
      result.failures.push(...service.ready.failures);
      const { port, cases } = service.ready;
      // The first case would otherwise also pay for warming autocannon itself and the service's sockets.
      if (cases[0]) await warmUp(port, cases[0], warmUpSeconds * 4).catch(() => {});
      const runs = new Map<HttpCase, LoadResult[]>();
      const failed = new Set<HttpCase>();
      for (let pass = 1; pass <= passes; pass++) {
        for (const httpCase of cases.filter((c) => !failed.has(c))) {
          const load = await attempt(result, httpCase.name, async () => {
            await warmUp(port, httpCase, warmUpSeconds);
            return loadCase(port, httpCase, seconds, connections);
          });
          if (!load) {
            failed.add(httpCase);
            continue;
          }
          runs.set(httpCase, [...(runs.get(httpCase) ?? []), load]);
          ctx.progress(
            `pass ${pass}/${passes} ${httpCase.name}: ${formatNumber(load.requestsPerSecond.median)} req/s, p99 ${formatNumber(load.latencyMs.p99)} ms`,
          );
        }
      }
      const measured = cases.flatMap((httpCase) => {
        const loads = runs.get(httpCase);
        return loads && !failed.has(httpCase) ? [{ httpCase, load: mergeLoads(loads) }] : [];
      });
      addSections(result, measured, connections);
    } finally {
      await service.stop();
    }
    result.notes.push(
      `autocannon runs in the bench process and the service in a child process (node:http on 127.0.0.1), so they do not share an event loop; on a 2-core machine they do share the CPU, which caps every row alike. Each case: ${passes} pass${passes > 1 ? 'es' : ''} of ${warmUpSeconds} s warm-up and ${seconds} s measured, passes going round all cases in turn.`,
      'Every route answers the same 11-byte JSON body; a case whose requests got anything but 2xx is reported as failed, not measured.',
      'The SDK rows present the same credential on every request, so after the first one they are cache hits kept exact by the revocation feed; the core-verifier rows verify the signature on every request.',
      'express-session runs as plain middleware inside the same node:http service (no Express router), with connect-redis on node-redis: one GET plus one EXPIRE (touch) per request.',
    );
    return result;
  },
};
