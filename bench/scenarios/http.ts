import { attempt } from '../lib/cases.ts';
import { formatNumber, formatRatio, formatSpread } from '../lib/format.ts';
import { describeCores } from '../lib/machine.ts';
import { loadCase, startHttpService, warmUp } from '../lib/http-service.ts';
import { type LoadResult, mergeLoads } from '../lib/load.ts';
import { ratio } from '../lib/stats.ts';
import { emptyResult, type Scenario, type ScenarioResult } from '../lib/types.ts';
import type { HttpCase } from '../workers/http/types.ts';

const FEATURES = [
  'open',
  'jwt-core',
  'jwt-sdk',
  'session-store',
  'session-sdk',
  'express-session',
  'open-same-headers',
];

interface Measured {
  httpCase: HttpCase;
  load: LoadResult;
}

function addSections(result: ScenarioResult, allMeasured: Measured[], connections: number): void {
  const open = allMeasured.find((entry) => entry.httpCase.group === 'baseline')?.load;
  /** The open route measured with the same headers as the named guarded case. */
  const pairOf = (name: string) =>
    allMeasured.find(
      (entry) => entry.httpCase.group === 'open-same-headers' && entry.httpCase.pairedWith === name,
    )?.load;
  const paired = allMeasured.filter((entry) => entry.httpCase.group === 'open-same-headers');
  const measured = allMeasured.filter((entry) => entry.httpCase.group !== 'open-same-headers');
  result.sections.push({
    title: 'Throughput and latency per guard',
    description: `${connections} connections, one request in flight on each; req/s is the median of quarter-second samples (min–max), latencies over every 2xx response. Two ratios: against the open route receiving no credential, and against the open route receiving this row's very headers (so the guard's cost is not mixed up with the cost of parsing its bytes).`,
    table: {
      columns: [
        'case',
        'req/s (min–max)',
        '× unguarded',
        '× open, same headers',
        'p50 ms',
        'p99 ms',
        'p99 × unguarded',
      ],
      align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      rows: measured.map(({ httpCase, load }) => [
        httpCase.name,
        formatSpread(load.requestsPerSecond),
        formatRatio(ratio(load.requestsPerSecond.median, open?.requestsPerSecond.median)),
        httpCase.group === 'baseline'
          ? '–'
          : formatRatio(
              ratio(load.requestsPerSecond.median, pairOf(httpCase.name)?.requestsPerSecond.median),
            ),
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
  if (paired.length > 0) {
    result.sections.push({
      title: 'The open route, receiving each guard’s headers',
      description:
        'The same route as the unguarded baseline, which checks nothing, sent exactly the headers (credential included) of the guarded row named: what those bytes cost to receive and parse.',
      table: {
        columns: ['headers of', 'req/s (min–max)', '× unguarded', 'p50 ms', 'p99 ms'],
        align: ['left', 'right', 'right', 'right', 'right'],
        rows: paired.map(({ httpCase, load }) => [
          httpCase.pairedWith ?? httpCase.name,
          formatSpread(load.requestsPerSecond),
          formatRatio(ratio(load.requestsPerSecond.median, open?.requestsPerSecond.median)),
          formatNumber(load.latencyMs.p50),
          formatNumber(load.latencyMs.p99),
        ]),
      },
    });
  }
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
  ].flatMap((entry) => {
    if (!entry) return [];
    const same = pairOf(entry.httpCase.name);
    const sameText = same
      ? ` (${formatRatio(ratio(entry.load.requestsPerSecond.median, same.requestsPerSecond.median))} with the same headers)`
      : '';
    return [
      `${entry.httpCase.name.replace(/ \(.*\)$/, '')} ${formatRatio(ratio(entry.load.requestsPerSecond.median, open.requestsPerSecond.median))}${sameText}`,
    ];
  });
  result.headlines.push(
    `HTTP req/s as a fraction of the unguarded route (${formatNumber(open.requestsPerSecond.median)} req/s, no credential): ${parts.join('; ')}.`,
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
      `autocannon runs in the bench process and the service in a child process (node:http on 127.0.0.1), so they do not share an event loop; they do share this machine's CPU (${describeCores()}), which caps every row alike. Each case: ${passes} pass${passes > 1 ? 'es' : ''} of ${warmUpSeconds} s warm-up and ${seconds} s measured, passes going round all cases in turn.`,
      'Every route answers the same 11-byte JSON body; a case whose requests got anything but 2xx is reported as failed, not measured.',
      'The unguarded baseline receives no credential; each guarded row also has its twin, the same open route sent that row\'s exact headers, and the "× open, same headers" ratio divides by that twin, so it measures the guard alone.',
      'express-session + connect-redis is a point of comparison (a common setup), not a baseline of any ratio.',
      'The SDK rows present the same credential on every request, so after the first one they are cache hits kept exact by the revocation feed; the core-verifier rows verify the signature on every request.',
      'express-session runs as plain middleware inside the same node:http service (no Express router), with connect-redis on node-redis: one GET plus one EXPIRE (touch) per request.',
    );
    return result;
  },
};
