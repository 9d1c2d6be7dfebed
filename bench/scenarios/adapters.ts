import { fileURLToPath } from 'node:url';
import { attempt } from '../lib/cases.ts';
import { formatNumber, formatRatio } from '../lib/format.ts';
import { loadCase, warmUp } from '../lib/http-service.ts';
import { pinToCpu } from '../lib/pin.ts';
import { processCpuMicros } from '../lib/process-cpu.ts';
import { describeCores } from '../lib/machine.ts';
import { recordScore } from '../lib/scorecard.ts';
import { median } from '../lib/stats.ts';
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../lib/types.ts';
import { startWorker, type Worker } from '../lib/workers.ts';
import type { AdapterAppReady, AdapterCase, GuardCounters } from '../workers/adapter-app.ts';
import {
  type AppForm,
  FRAMEWORK_LABELS,
  FRAMEWORKS,
  type Framework,
  OPEN_SUB,
} from '../workers/adapters/frameworks.ts';
import type { HttpCase } from '../workers/http/types.ts';

const APP = fileURLToPath(new URL('../workers/adapter-app.ts', import.meta.url));
const CONNECTIONS = 50;
const TARGET = 0.95;

interface Settings {
  rounds: number;
  seconds: number;
  warmUpSeconds: number;
  /** Whether the app and the load each had a CPU of their own (Linux with taskset, 2+ CPUs). */
  pinned?: boolean;
}

/** A side is one form of the app (frameworks.ts), listed here in the report's column order. */
type Side = AppForm;
const SIDES: readonly Side[] = ['open', 'guarded', 'noop'];

/** The sides a guard is measured on: the adapter's second form (Hono's wrapped handler) where it has one. */
function sidesOf(adapterCase: AdapterCase): readonly Side[] {
  return adapterCase.wrapped === undefined ? SIDES : [...SIDES, 'wrapped'];
}

/**
 * One guard measured, per round: req/s of each side (median of its quarter-second samples), and
 * the app's CPU µs per request on each side (Linux only; empty elsewhere).
 */
interface PairedRuns {
  framework: Framework;
  adapterCase: AdapterCase;
  guarded: number[];
  open: number[];
  noop: number[];
  wrapped: number[];
  cpu: Record<Side, number[]>;
}

/** guarded (or the no-op side) ÷ open per round (taken back to back), then the median over rounds. */
function pairedRatio(runs: PairedRuns, side: Exclude<Side, 'open'> = 'guarded'): number {
  const ratios = runs[side].flatMap((guarded, index) => {
    const open = runs.open[index];
    return open === undefined || open <= 0 ? [] : [guarded / open];
  });
  return ratios.length === 0 ? Number.NaN : median(ratios);
}

async function expectReply(port: number, httpCase: HttpCase, status: number, sub?: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}${httpCase.path}`, { headers: httpCase.headers });
  const body = await response.text();
  const subOk = sub === undefined || (JSON.parse(body) as { sub?: unknown }).sub === sub;
  if (response.status !== status || !subOk) {
    const credential = Object.keys(httpCase.headers).length > 0 ? 'with' : 'without';
    throw new Error(
      `${httpCase.path} ${credential} a credential answered ${response.status} ${body.slice(0, 80)}; expected ${status}${sub === undefined ? '' : ` with sub ${sub}`}`,
    );
  }
}

/** A side's port: every form of the app serves the same paths on its own port. */
function portOf(ready: AdapterAppReady, side: Side): number {
  const port = ready.ports[side];
  if (port === undefined) throw new Error(`no ${side} app is listening`);
  return port;
}

/**
 * Before any timing: the guard accepts its credential and refuses a request without one, and the
 * same route of the open and no-op apps answers without asking for it.
 */
async function checkReplies(ready: AdapterAppReady, adapterCase: AdapterCase): Promise<void> {
  for (const side of ['guarded', 'wrapped'] as const) {
    const httpCase = adapterCase[side];
    if (httpCase === undefined) continue;
    await expectReply(portOf(ready, side), httpCase, 200, adapterCase.expectedSub);
    await expectReply(portOf(ready, side), { ...httpCase, headers: {} }, 401);
  }
  await expectReply(portOf(ready, 'open'), adapterCase.open, 200, OPEN_SUB);
  await expectReply(portOf(ready, 'noop'), adapterCase.noop, 200, OPEN_SUB);
}

/** The sides of round `round`: rotated, so none always runs first or right after the same one. */
function sidesOfRound(sides: readonly Side[], round: number): Side[] {
  return sides.map((_side, index) => sides[(index + round) % sides.length]!);
}

/** One side's timed run: its req/s and, where /proc has it, the app's CPU µs per request. */
async function measureSide(app: Worker<AdapterAppReady>, runs: PairedRuns, side: Side, settings: Settings) {
  const httpCase = runs.adapterCase[side];
  if (httpCase === undefined) return;
  const before = processCpuMicros(app.pid);
  const load = await loadCase(portOf(app.ready, side), httpCase, settings.seconds, CONNECTIONS);
  const after = processCpuMicros(app.pid);
  runs[side].push(load.requestsPerSecond.median);
  if (before !== undefined && after !== undefined && load.completed > 0)
    runs.cpu[side].push((after - before) / load.completed);
}

/**
 * After timing: each guard's verifier answered (nearly) every accepted request from its cache and
 * none while its feed was stale, or its row would not measure what it says.
 */
function checkCacheHits(
  result: ScenarioResult,
  label: string,
  live: PairedRuns[],
  counters: GuardCounters,
): PairedRuns[] {
  return live.filter((runs) => {
    const { accepted = 0, cacheHits = 0, staleRequests = 0 } = counters[runs.adapterCase.guarded.path] ?? {};
    if (accepted > 0 && cacheHits >= accepted * 0.99 && staleRequests === 0) return true;
    result.failures.push({
      case: `${label}, ${runs.adapterCase.credential}`,
      reason: `expected cache hits only: ${accepted} accepted, ${cacheHits} cache hits, ${staleRequests} while stale`,
    });
    return false;
  });
}

/** One framework: every guard checked, then rounds of guarded/open pairs, the order alternating. */
async function measureFramework(
  ctx: ScenarioContext,
  result: ScenarioResult,
  framework: Framework,
  settings: Settings,
): Promise<PairedRuns[]> {
  const app: Worker<AdapterAppReady> = await startWorker(APP, { framework });
  // As the issue measured: the app on one CPU, the load (this process, autocannon) on the other.
  const unpinApp = pinToCpu(app.pid, 1);
  const unpinLoad = unpinApp && pinToCpu(process.pid, 0);
  settings.pinned = unpinLoad !== undefined;
  try {
    const { cases } = app.ready;
    const label = FRAMEWORK_LABELS[framework];
    const live: PairedRuns[] = [];
    for (const adapterCase of cases) {
      const ok = await attempt(result, `${label}, ${adapterCase.credential}`, async () => {
        await checkReplies(app.ready, adapterCase);
        if (settings.warmUpSeconds > 0) {
          for (const side of sidesOf(adapterCase)) {
            const httpCase = adapterCase[side];
            if (httpCase) await warmUp(portOf(app.ready, side), httpCase, settings.warmUpSeconds);
          }
        }
        return true;
      });
      const cpu = { open: [], guarded: [], noop: [], wrapped: [] };
      if (ok) live.push({ framework, adapterCase, guarded: [], open: [], noop: [], wrapped: [], cpu });
    }
    for (let round = 0; round < settings.rounds; round++) {
      for (const runs of [...live]) {
        const done = await attempt(result, `${label}, ${runs.adapterCase.credential}`, async () => {
          for (const side of sidesOfRound(sidesOf(runs.adapterCase), round))
            await measureSide(app, runs, side, settings);
          return true;
        });
        if (done === undefined) live.splice(live.indexOf(runs), 1);
      }
      ctx.progress(`${label} round ${round + 1}/${settings.rounds} done`);
    }
    return checkCacheHits(result, label, live, await app.call<GuardCounters>({}));
  } finally {
    unpinLoad?.();
    await app.stop();
  }
}

/** The median CPU µs per request of a side, or NaN where /proc could not be read. */
function cpuOf(runs: PairedRuns, side: Side): number {
  return runs.cpu[side].length === 0 ? Number.NaN : median(runs.cpu[side]);
}

function formatMicros(value: number): string {
  return Number.isNaN(value) ? 'n/a' : value.toFixed(1);
}

function report(result: ScenarioResult, measured: PairedRuns[]): void {
  const rows = measured.map((runs) => {
    const value = pairedRatio(runs);
    const noop = pairedRatio(runs, 'noop');
    const label = FRAMEWORK_LABELS[runs.framework];
    const open = median(runs.open);
    const guarded = median(runs.guarded);
    const cpu = sidesOf(runs.adapterCase).map((side) => cpuOf(runs, side));
    const wrapped = runs.adapterCase.wrapped === undefined ? undefined : pairedRatio(runs, 'wrapped');
    const wrappedNote =
      wrapped === undefined
        ? ''
        : `; the same guard as gatehouseHandler (wrapped handler, no middleware) ${formatRatio(wrapped)}, app CPU ${formatMicros(cpu[3]!)} µs`;
    recordScore(result, {
      goal: 1,
      what: `${label}, ${runs.adapterCase.credential}: guarded ÷ open route, same headers`,
      value: formatRatio(value),
      target: `≥ ${TARGET.toFixed(2)}×`,
      pass: value >= TARGET,
      baselines: `open ${formatNumber(open)} req/s; guarded ${formatNumber(guarded)} req/s; a no-op middleware ${formatRatio(noop)}; app CPU per request open ${formatMicros(cpu[0]!)} µs, guarded ${formatMicros(cpu[1]!)} µs${wrappedNote}`,
    });
    return [
      label,
      runs.adapterCase.credential,
      formatNumber(open),
      formatNumber(guarded),
      formatRatio(value),
      formatRatio(noop),
      wrapped === undefined ? '–' : formatRatio(wrapped),
      cpu.map(formatMicros).join(' / '),
    ];
  });
  result.sections.push({
    title: 'Guarded route ÷ open route, per framework adapter',
    description: `${CONNECTIONS} connections. Each row: one route, the same in three apps that differ only in what stands before its handler (nothing: open; a middleware that does nothing: no-op; the adapter: guarded), each app on its own port with the very same route table, sent the very same request (the guard's credential in all three), back to back in each round; req/s is the median of quarter-second samples; each ratio is that side ÷ open per round, median over rounds. The no-op column is what the framework charges for any middleware on the route. On Hono a fourth app, not judged: the same guard as \`gatehouseHandler\`, which wraps the route's handler so that the route has no middleware (its CPU is the fourth figure). CPU is the app process's user + system time per request (median over rounds; Linux /proc).`,
    table: {
      columns: [
        'framework',
        'credential',
        'open req/s',
        'guarded req/s',
        'guarded ÷ open',
        'no-op middleware ÷ open',
        'wrapped handler ÷ open',
        'app CPU µs/request: open / guarded / no-op (/ wrapped)',
      ],
      align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right'],
      rows,
    },
  });
  const worst = measured
    .map((runs) => ({ runs, value: pairedRatio(runs) }))
    .sort((a, b) => a.value - b.value)[0];
  if (worst) {
    result.headlines.push(
      `Adapters: guarded ÷ open route (same headers), lowest ${formatRatio(worst.value)} (${FRAMEWORK_LABELS[worst.runs.framework]}, ${worst.runs.adapterCase.credential}), over ${measured.length} framework × credential pairs.`,
    );
  }
}

export const adaptersScenario: Scenario = {
  name: 'adapters',
  title: 'Framework adapters: a guarded route next to the open one',
  async run(ctx) {
    const result = emptyResult();
    const settings: Settings = ctx.quick
      ? { rounds: 1, seconds: 0.5, warmUpSeconds: 0 }
      : { rounds: 3, seconds: 1, warmUpSeconds: 0.25 };
    const measured: PairedRuns[] = [];
    for (const framework of FRAMEWORKS) {
      const runs = await attempt(result, FRAMEWORK_LABELS[framework], () =>
        measureFramework(ctx, result, framework, settings),
      );
      measured.push(...(runs ?? []));
    }
    report(result, measured);
    result.notes.push(
      `Each framework's app runs in a child process, autocannon in the bench process, ${settings.pinned ? 'the app pinned to CPU 1 and the bench to CPU 0 (taskset, all threads) while the scenario runs, as the issue measured' : 'not pinned to a CPU (taskset or a second CPU missing): they share the CPUs'} (${describeCores()}); both sides of each ratio are measured alike. Per framework: ${settings.rounds} round${settings.rounds > 1 ? 's' : ''} over every guard, ${settings.seconds} s per side, the order of the three apps (open, guarded, no-op middleware; on Hono a fourth, the wrapped handler) rotating by round${settings.warmUpSeconds > 0 ? `, after ${settings.warmUpSeconds} s of warm-up per side` : ''}.`,
      'The apps are written as a user would with `@gatehouse/verify/fastify` (gatehouseHook as preHandler), `@gatehouse/verify/express` (gatehouse middleware on the route) and `@gatehouse/verify/hono` (gatehouse middleware on the route, served by @hono/node-server; the judged side), and on Hono also `gatehouseHandler` around the route’s handler (the wrapped side). The guarded route answers `{"sub": <principal sub>}`, the open and no-op ones `{"sub": "anonymous"}`; the no-op middleware only passes the request on (Fastify: a preHandler calling `done()`; Express: `next()`; Hono: `await next()`). Each app registers the routes of all four guards in the same order (`/api/ES256`, `/api/EdDSA`, `/api/RS256`, `/api/session`), so routing costs every side the same: Express matches its route layers one by one, and the routers read the path a character at a time. (Until 2026-12-05 the open side was a separate `/open` route registered first in the guarded app, which charged the guarded side for its longer path and, on Express, for the earlier layers.)',
      'One SDK verifier per guard (static JWKS, in-process revocation feed, cache on): every timed request presents the same credential, so it is a cache hit. The session guard’s validateSession hook runs the real auth flow over the in-memory store (only on a miss).',
      'Before timing, each guard is checked to answer 200 with the expected principal and 401 without a credential, and the same route of the open and no-op apps 200; a timed run with any non-2xx answer fails its case, and so does a guard whose verifier answered under 99% of its accepted requests from the cache or any while its feed was stale.',
    );
    return result;
  },
};
