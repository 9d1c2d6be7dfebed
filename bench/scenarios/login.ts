import { createArgon2Hasher } from '@gatehouse/core';
import { attempt } from '../lib/cases.ts';
import { formatNumber, formatRatio, formatSpread } from '../lib/format.ts';
import { assertAllOk, loadOptions, startHttpService, warmUp } from '../lib/http-service.ts';
import { type ProbeResult, probeLatency } from '../lib/latency-probe.ts';
import { type LoadResult, runLoad } from '../lib/load.ts';
import { describeCores, describeMachine } from '../lib/machine.ts';
import { BENCH_PASSWORD } from '../lib/session-fixture.ts';
import { ratio, type Summary, summarize } from '../lib/stats.ts';
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../lib/types.ts';
import type { HttpCase } from '../workers/http/types.ts';

const PROBE_RATE_PER_SECOND = 500;
const FLOOD_CONNECTIONS = 8;

interface HashRun {
  concurrency: number;
  hashesPerSecond: number;
  msPerHash: Summary;
}

/** Argon2id with the default parameters, `concurrency` hashes in flight, for `seconds`. */
async function hashFor(
  concurrency: number,
  seconds: number,
): Promise<{ durations: number[]; elapsedMs: number }> {
  const hasher = createArgon2Hasher();
  const durations: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const began = performance.now();
        await hasher.hash(BENCH_PASSWORD);
        durations.push(performance.now() - began);
      }
    }),
  );
  return { durations, elapsedMs: performance.now() - start };
}

/**
 * Each concurrency level in several short slices, taken in turn, so that whatever else the
 * machine does falls on every level alike.
 */
async function hashThroughput(levels: number[], seconds: number, passes: number): Promise<HashRun[]> {
  const totals = new Map(levels.map((level) => [level, { durations: [] as number[], elapsedMs: 0 }]));
  for (let pass = 0; pass < passes; pass++) {
    for (const level of levels) {
      const slice = await hashFor(level, seconds / passes);
      const total = totals.get(level)!;
      total.durations.push(...slice.durations);
      total.elapsedMs += slice.elapsedMs;
    }
  }
  return levels.map((concurrency) => {
    const { durations, elapsedMs } = totals.get(concurrency)!;
    return {
      concurrency,
      hashesPerSecond: (durations.length * 1000) / elapsedMs,
      msPerHash: summarize(durations),
    };
  });
}

function addHashSection(result: ScenarioResult, runs: HashRun[], poolSize: number): void {
  if (runs.length === 0) return;
  const single = runs.find((run) => run.concurrency === 1)?.hashesPerSecond;
  result.sections.push({
    title: 'Argon2id hashes per second (m=19 MiB, t=2, p=1)',
    description: `node:crypto argon2 on the libuv pool (${poolSize} threads), in this process, with N hashes in flight; the levels are measured in alternating slices.`,
    table: {
      columns: ['in flight', 'hashes/s', '× one at a time', 'ms per hash (min–max)'],
      align: ['right', 'right', 'right', 'right'],
      rows: runs.map((run) => [
        String(run.concurrency),
        formatNumber(run.hashesPerSecond),
        formatRatio(ratio(run.hashesPerSecond, single)),
        formatSpread(run.msPerHash),
      ]),
    },
    chart: {
      title: 'Argon2id hashes per second',
      unit: 'hashes/s',
      better: 'higher',
      bars: runs.map((run) => ({
        label: `${run.concurrency} in flight`,
        value: run.hashesPerSecond,
        baseline: run.concurrency === 1,
      })),
    },
  });
  const best = runs.reduce((a, b) => (a.hashesPerSecond >= b.hashesPerSecond ? a : b));
  result.headlines.push(
    `Argon2id (default parameters): ${formatNumber(single ?? Number.NaN)} hashes/s one at a time, ${formatNumber(best.hashesPerSecond)} with ${best.concurrency} in flight (${formatRatio(ratio(best.hashesPerSecond, single))}).`,
  );
}

interface FloodRow {
  name: string;
  probe: ProbeResult;
  flood?: LoadResult;
  baseline?: boolean;
}

async function guardedUnderFlood(ctx: ScenarioContext, result: ScenarioResult): Promise<void> {
  const seconds = ctx.quick ? 1.5 : 5;
  const service = await startHttpService(ctx, ['jwt-sdk', 'login']);
  try {
    result.failures.push(...service.ready.failures);
    const { port, cases } = service.ready;
    const guarded = cases.find((c) => c.path === '/jwt/sdk/ES256');
    const floods = cases.filter((c) => c.group === 'login');
    if (!guarded || floods.length === 0)
      throw new Error('the service has no guarded route or no login route');
    const probe = () =>
      probeLatency({
        url: `http://127.0.0.1:${port}${guarded.path}`,
        headers: guarded.headers,
        ratePerSecond: PROBE_RATE_PER_SECOND,
        durationSeconds: seconds,
      });
    await warmUp(port, guarded, ctx.quick ? 0.5 : 1);
    const rows: FloodRow[] = [
      { name: 'guarded route alone (baseline)', probe: await probe(), baseline: true },
    ];
    ctx.progress(`guarded route alone: p99 ${formatNumber(rows[0]!.probe.latencyMs.p99)} ms`);
    for (const flood of floods) {
      const row = await attempt(result, flood.name, () => probeDuringFlood(port, flood, probe, seconds));
      if (!row) continue;
      ctx.progress(
        `during ${flood.name}: p99 ${formatNumber(row.probe.latencyMs.p99)} ms, ${formatNumber(row.flood!.completed / seconds)} logins/s`,
      );
      rows.push(row);
    }
    addFloodSection(result, rows, guarded.name, seconds);
  } finally {
    await service.stop();
  }
}

async function probeDuringFlood(
  port: number,
  flood: HttpCase,
  probe: () => Promise<ProbeResult>,
  seconds: number,
): Promise<FloodRow> {
  const [probed, load] = await Promise.all([
    probe(),
    runLoad({ ...loadOptions(port, flood), durationSeconds: seconds, connections: FLOOD_CONNECTIONS }),
  ]);
  assertAllOk(flood, load);
  return { name: `guarded route while flooded by: ${flood.name}`, probe: probed, flood: load };
}

function addFloodSection(
  result: ScenarioResult,
  rows: FloodRow[],
  guardedName: string,
  seconds: number,
): void {
  const alone = rows.find((row) => row.baseline)?.probe.latencyMs.p99;
  result.sections.push({
    title: 'Guarded-route latency while logins flood',
    description: `The guarded route (${guardedName}) is probed at a steady ${PROBE_RATE_PER_SECOND} req/s for ${seconds} s, alone and while ${FLOOD_CONNECTIONS} connections send logins as fast as they are answered, to the same process.`,
    table: {
      columns: ['case', 'p50 ms', 'p99 ms', 'max ms', 'p99 × alone', 'logins/s', 'probe failures'],
      align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      rows: rows.map((row) => [
        row.name,
        formatNumber(row.probe.latencyMs.p50),
        formatNumber(row.probe.latencyMs.p99),
        formatNumber(row.probe.latencyMs.max),
        formatRatio(ratio(row.probe.latencyMs.p99, alone)),
        row.flood ? formatNumber(row.flood.completed / seconds) : '–',
        String(row.probe.failed),
      ]),
    },
    chart: {
      title: 'Guarded route p99 latency',
      unit: 'ms',
      better: 'lower',
      logScale: true,
      bars: rows.map((row) => ({
        label: row.name.replace('guarded route while flooded by: ', 'flood: ').replace(/ \(.*\)$/, ''),
        value: row.probe.latencyMs.p99,
        baseline: row.baseline ?? false,
      })),
    },
  });
  const pool = rows.find((row) => row.name.includes('Argon2id m='));
  const blocking = rows.find((row) => row.name.includes('argon2Sync'));
  if (alone !== undefined && pool) {
    result.headlines.push(
      `Login flood (${formatNumber(pool.flood!.completed / seconds)} logins/s): guarded-route p99 ${formatNumber(pool.probe.latencyMs.p99)} ms (${formatRatio(ratio(pool.probe.latencyMs.p99, alone))} the ${formatNumber(alone)} ms without it)${blocking ? `; hashing on the event loop instead: ${formatNumber(blocking.probe.latencyMs.p99)} ms (${formatRatio(ratio(blocking.probe.latencyMs.p99, alone))})` : ''}.`,
    );
  }
}

export const loginScenario: Scenario = {
  name: 'login',
  title: 'Login under load',
  async run(ctx) {
    const result = emptyResult();
    const poolSize = describeMachine().uvThreadpoolSize;
    const seconds = ctx.quick ? 1 : 4;
    const levels = [...new Set([1, 2, poolSize])];
    const runs =
      (await attempt(result, 'argon2id throughput', () =>
        hashThroughput(levels, seconds, ctx.quick ? 1 : 4),
      )) ?? [];
    for (const run of runs) {
      ctx.progress(`argon2id, ${run.concurrency} in flight: ${formatNumber(run.hashesPerSecond)} hashes/s`);
    }
    addHashSection(result, runs, poolSize);
    await attempt(result, 'guarded route under login flood', () => guardedUnderFlood(ctx, result));
    result.notes.push(
      "The login route is the core's real login (createAuth over SQLite, default Argon2id hasher on the libuv pool), served by the same tiny node:http service as the HTTP scenario, in a child process. The guarded route is the SDK (ES256, cache hit).",
      `Isolation here is of the event loop, not of the CPU: on this machine (${describeCores()}), ${describeMachine().uvThreadpoolSize} pool threads hashing take CPU time from the event loop, which shows as latency even though nothing blocks it. The argon2Sync row shows what blocking it would cost.`,
    );
    return result;
  },
};
