import { fileURLToPath } from 'node:url';
import { attempt } from '../lib/cases.ts';
import { formatNumber, formatRatio } from '../lib/format.ts';
import { loadCasesTogether, startLoadProcesses, warmUp } from '../lib/http-service.ts';
import { pinToCpu } from '../lib/pin.ts';
import { describeCores } from '../lib/machine.ts';
import { recordScore } from '../lib/scorecard.ts';
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../lib/types.ts';
import { startWorker, type Worker } from '../lib/workers.ts';
import {
  checkReplies,
  cpuWindow,
  medianOf,
  processesOfRound,
  roundsOf,
  type SideApps,
  sideOf,
  sidesOfRound,
  spreadOf,
} from '../lib/adapter-sides.ts';
import type { AdapterAppReady, GuardCounters } from '../workers/adapter-app.ts';
import {
  APP_FORMS,
  type AppForm,
  FRAMEWORK_LABELS,
  FRAMEWORKS,
  formsOf,
  type Framework,
} from '../workers/adapters/frameworks.ts';

const APP = fileURLToPath(new URL('../workers/adapter-app.ts', import.meta.url));
const CONNECTIONS = 50;
const TARGET = 0.95;
/** Each pair's loads run this long, both under way, before their shared counting window opens. */
const LEAD_IN_SECONDS = 0.1;

interface Settings {
  /** Processes started per side (each a fresh draw of the same app); one round per pairing of them. */
  processes: number;
  seconds: number;
  warmUpSeconds: number;
  /** Whether the apps and the load each had a CPU of their own (Linux with taskset, 2+ CPUs). */
  pinned?: boolean;
}

/** A side is one form of the app (frameworks.ts), listed here in the report's column order. */
type Side = AppForm;
/** The sides each compared with the open one, loaded at the same time as it. */
type Compared = Exclude<Side, 'open'>;

/** A framework's compared sides: every form of its app but the open one (Hono's wrapped handler too). */
function comparedOf(framework: Framework): Compared[] {
  return formsOf(framework).filter((side): side is Compared => side !== 'open');
}

/**
 * One guard measured. Per pair (a side and the open app loaded at once, each with its own
 * connections, the two processes sharing CPU 1): that side's requests ÷ the open app's, each
 * side's req/s, and the app process's CPU µs per request (Linux only; empty elsewhere).
 */
interface PairedRuns {
  framework: Framework;
  /** The guard's place in every side app's list of cases. */
  index: number;
  credential: string;
  ratio: Record<Compared, number[]>;
  rate: Record<Side, number[]>;
  cpu: Record<Side, number[]>;
  /** Per pair: the two apps' CPU time ÷ the window's (about 1 when the apps, not the load, set the pace). */
  busy: number[];
}

/** An empty list of figures per side named. */
function listsOf<K extends Side>(sides: readonly K[]): Record<K, number[]> {
  return Object.fromEntries(sides.map((side) => [side, []])) as unknown as Record<K, number[]>;
}

const emptySides = () => listsOf(APP_FORMS);

/** A side ÷ open over the rounds: the median of the pairs' ratios. */
function pairedRatio(runs: PairedRuns, side: Compared = 'guarded'): number {
  return medianOf(runs.ratio[side]);
}

/** One pair: `side` and the open app loaded at the same time, for the same seconds. */
async function measurePair(
  sets: SideApps[],
  runners: Worker<unknown>[],
  runs: PairedRuns,
  side: Compared,
  settings: Settings,
  round: number,
) {
  const pairing = processesOfRound(round, sets.length);
  const pair = [
    sideOf(sets[pairing.open]!, 'open', runs.index),
    sideOf(sets[pairing.compared]!, side, runs.index),
  ] as const;
  const edges = cpuWindow(
    pair.map(({ app }) => app.pid),
    settings.seconds,
    LEAD_IN_SECONDS,
  );
  const loads = await loadCasesTogether([...pair], CONNECTIONS, edges.window, runners);
  runs.ratio[side].push(loads[1]!.completed / loads[0]!.completed);
  const used = edges.used();
  (['open', side] as const).forEach((name, at) => {
    runs.rate[name].push(loads[at]!.requestsPerSecond.median);
    if (used[at] !== undefined) runs.cpu[name].push(used[at] / loads[at]!.completed);
  });
  if (used[0] !== undefined && used[1] !== undefined)
    runs.busy.push((used[0] + used[1]) / edges.windowMicros());
}

/**
 * After timing: each guard's verifier answered (nearly) every accepted request from its cache and
 * none while its feed was stale, or its row would not measure what it says.
 */
async function checkCacheHits(
  result: ScenarioResult,
  label: string,
  live: PairedRuns[],
  sets: SideApps[],
): Promise<PairedRuns[]> {
  const counters: GuardCounters[] = [];
  for (const apps of sets) {
    for (const side of ['guarded', 'wrapped'] as const) {
      if (apps[side]) counters.push(await apps[side].call<GuardCounters>({}));
    }
  }
  return live.filter((runs) => {
    const path = sideOf(sets[0]!, 'guarded', runs.index).httpCase.path;
    return counters.every((perPath) => {
      const { accepted = 0, cacheHits = 0, staleRequests = 0 } = perPath[path] ?? {};
      if (accepted > 0 && cacheHits >= accepted * 0.99 && staleRequests === 0) return true;
      result.failures.push({
        case: `${label}, ${runs.credential}`,
        reason: `expected cache hits only: ${accepted} accepted, ${cacheHits} cache hits, ${staleRequests} while stale`,
      });
      return false;
    });
  });
}

/**
 * One framework: `settings.processes` processes per side, every guard checked in each, then rounds
 * of pairs, the order of the sides rotating and the processes paired as `processesOfRound` says.
 */
async function measureFramework(
  ctx: ScenarioContext,
  result: ScenarioResult,
  framework: Framework,
  settings: Settings,
): Promise<PairedRuns[]> {
  const sets: SideApps[] = [];
  const runners: Worker<unknown>[] = [];
  const unpin: ((() => void) | undefined)[] = [];
  try {
    // One load generator per side of a pair, each in a process of its own, both on CPU 0.
    runners.push(...(await startLoadProcesses(2)));
    for (const runner of runners) unpin.push(pinToCpu(runner.pid, 0));
    for (let set = 0; set < settings.processes; set++) {
      const apps: SideApps = {};
      sets.push(apps);
      for (const side of formsOf(framework)) {
        const app = await startWorker<AdapterAppReady>(APP, { framework, forms: [side] });
        apps[side] = app;
        // As the issue measured: the apps on one CPU, the load (autocannon) on the other.
        unpin.push(pinToCpu(app.pid, 1));
      }
    }
    settings.pinned = unpin.every((undo) => undo !== undefined);
    if (settings.pinned) unpin.push(pinToCpu(process.pid, 0));
    const label = FRAMEWORK_LABELS[framework];
    const compared = comparedOf(framework);
    const sides: Side[] = ['open', ...compared];
    const live: PairedRuns[] = [];
    for (const [index, adapterCase] of sideOf(sets[0]!, 'open', 0).app.ready.cases.entries()) {
      const ok = await attempt(result, `${label}, ${adapterCase.credential}`, async () => {
        for (const apps of sets) await checkReplies(apps, index, sides);
        return true;
      });
      const ratio = listsOf(APP_FORMS.filter((side): side is Compared => side !== 'open'));
      const { credential } = adapterCase;
      if (ok)
        live.push({ framework, index, credential, ratio, rate: emptySides(), cpu: emptySides(), busy: [] });
    }
    // Each process is warmed up on every guard's route at once: its code is then compiled for every
    // credential it will be sent, and is not compiled again when a pair sends it another one.
    const warmed = settings.warmUpSeconds > 0 ? sets : [];
    for (const [apps, side] of warmed.flatMap((apps) => sides.map((side) => [apps, side] as const))) {
      const routes = live.map(({ index }) => sideOf(apps, side, index));
      await Promise.all(routes.map(({ port, httpCase }) => warmUp(port, httpCase, settings.warmUpSeconds)));
    }
    const rounds = roundsOf(settings.processes);
    for (let round = 0; round < rounds; round++) {
      for (const runs of [...live]) {
        const done = await attempt(result, `${label}, ${runs.credential}`, async () => {
          for (const side of sidesOfRound(compared, round))
            await measurePair(sets, runners, runs, side, settings, round);
          return true;
        });
        if (done === undefined) live.splice(live.indexOf(runs), 1);
      }
      ctx.progress(`${label} round ${round + 1}/${rounds} done`);
    }
    return await checkCacheHits(result, label, live, sets);
  } finally {
    for (const undo of unpin) undo?.();
    for (const worker of [...runners, ...sets.flatMap((apps) => Object.values(apps))]) await worker.stop();
  }
}

/** A difference of two ratios, in points of the open route's rate (0.012 → "1.2 points"). */
function formatPoints(value: number): string {
  return Number.isNaN(value) ? 'n/a' : `${(value * 100).toFixed(1)} points`;
}

function formatMicros(value: number): string {
  return Number.isNaN(value) ? 'n/a' : value.toFixed(1);
}

function report(result: ScenarioResult, measured: PairedRuns[]): void {
  const rows = measured.map((runs) => {
    const value = pairedRatio(runs);
    const noop = pairedRatio(runs, 'noop');
    const unverified = pairedRatio(runs, 'unverified');
    const label = FRAMEWORK_LABELS[runs.framework];
    const [open, guarded] = [medianOf(runs.rate.open), medianOf(runs.rate.guarded)];
    const hasWrapped = runs.ratio.wrapped.length > 0;
    const cpuSides: Side[] = hasWrapped
      ? ['open', 'guarded', 'noop', 'unverified', 'wrapped']
      : ['open', 'guarded', 'noop', 'unverified'];
    const cpuOf = (side: Side) => formatMicros(medianOf(runs.cpu[side]));
    const wrapped = hasWrapped ? pairedRatio(runs, 'wrapped') : undefined;
    const wrappedNote =
      wrapped === undefined
        ? ''
        : `; the same guard as gatehouseHandler (wrapped handler, no middleware) ${formatRatio(wrapped)}, app CPU ${cpuOf('wrapped')} µs`;
    recordScore(result, {
      goal: 1,
      what: `${label}, ${runs.credential}: guarded ÷ open route, same headers`,
      value: formatRatio(value),
      target: `≥ ${TARGET.toFixed(2)}×`,
      pass: value >= TARGET,
      baselines: `loaded together: open ${formatNumber(open)} req/s, guarded ${formatNumber(guarded)} req/s; ${spreadOf(runs.ratio.guarded)}; the two apps' CPU ÷ the window ${formatNumber(medianOf(runs.busy))}; a no-op middleware ${formatRatio(noop)}; the adapter around a verifier that verifies nothing ${formatRatio(unverified)} (so the verifier's own share ${formatPoints(unverified - value)}); app CPU per request open ${cpuOf('open')} µs, guarded ${cpuOf('guarded')} µs, verifying nothing ${cpuOf('unverified')} µs${wrappedNote}`,
    });
    return [
      label,
      runs.credential,
      formatNumber(open),
      formatNumber(guarded),
      formatRatio(value),
      formatRatio(noop),
      formatRatio(unverified),
      wrapped === undefined ? '–' : formatRatio(wrapped),
      cpuSides.map(cpuOf).join(' / '),
    ];
  });
  result.sections.push({
    title: 'Guarded route ÷ open route, per framework adapter',
    description: `Each row: one route, the same in apps that differ only in what stands before its handler (nothing: open; a middleware that does nothing: no-op; the adapter: guarded), each app in a process of its own with the very same route table, all sent the very same request (the guard's credential). Each compared side is loaded at the same time as the open app, ${CONNECTIONS} connections each, the two processes sharing one CPU: what one request costs more on one side shows as fewer requests in the same second, and a host that slows down slows both. Each ratio is that side's requests ÷ the open app's in the same pair, both counted over one shared window that opens once both loads have run ${LEAD_IN_SECONDS} s, median over the pairs: each side runs in more than one process (a full run: two), and the rounds pair every open process with every process of the other side, since two processes of the same app can differ by several per cent for as long as they live; req/s is the median of quarter-second samples while paired (each app had about half a CPU). The no-op column is what the framework charges for any middleware on the route. The adapter verifying nothing is the adapter as shipped around a verifier that accepts every request at once with a fixed principal (it guards nothing, and is checked to answer without a credential): what the adapter itself costs (reading the headers, handing the principal on), so that the guarded side's distance from it is the verifier's own share of a cache hit. On Hono one more app, not judged: the same guard as \`gatehouseHandler\`, which wraps the route's handler so that the route has no middleware (its CPU is the last figure). CPU is the app process's run time per request, all its threads (median over pairs; Linux /proc schedstat). In the scorecard, the two apps' CPU ÷ the window is their CPU time together over the window's length, median over the pairs: about 1 where the apps set the pace, less where the load generator did (which pulls a ratio toward 1).`,
    table: {
      columns: [
        'framework',
        'credential',
        'open req/s (paired)',
        'guarded req/s (paired)',
        'guarded ÷ open',
        'no-op middleware ÷ open',
        'adapter verifying nothing ÷ open',
        'wrapped handler ÷ open',
        'app CPU µs/request: open / guarded / no-op / verifying nothing (/ wrapped)',
      ],
      align: ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'],
      rows,
    },
  });
  const worst = measured
    .map((runs) => ({ runs, value: pairedRatio(runs) }))
    .sort((a, b) => a.value - b.value)[0];
  if (worst) {
    result.headlines.push(
      `Adapters: guarded ÷ open route (same headers), lowest ${formatRatio(worst.value)} (${FRAMEWORK_LABELS[worst.runs.framework]}, ${worst.runs.credential}), over ${measured.length} framework × credential pairs.`,
    );
  }
}

export const adaptersScenario: Scenario = {
  name: 'adapters',
  title: 'Framework adapters: a guarded route next to the open one',
  async run(ctx) {
    const result = emptyResult();
    const settings: Settings = ctx.quick
      ? { processes: 1, seconds: 0.5, warmUpSeconds: 0 }
      : { processes: 2, seconds: 1, warmUpSeconds: 6 };
    const measured: PairedRuns[] = [];
    for (const framework of FRAMEWORKS) {
      const runs = await attempt(result, FRAMEWORK_LABELS[framework], () =>
        measureFramework(ctx, result, framework, settings),
      );
      measured.push(...(runs ?? []));
    }
    report(result, measured);
    result.notes.push(
      `Each side of a framework's app runs in a child process of its own, autocannon in two load processes of its own (one per side of a pair), ${settings.pinned ? 'the apps pinned to CPU 1 and the load processes and the bench to CPU 0 (taskset, all threads) while the scenario runs, as the issue measured' : 'not pinned to a CPU (taskset or a second CPU missing): they share the CPUs'} (${describeCores()}). Per framework: ${settings.processes} process${settings.processes > 1 ? 'es' : ''} per side, and ${roundsOf(settings.processes)} round${roundsOf(settings.processes) > 1 ? 's' : ''} over every guard, ${settings.processes > 1 ? 'each pairing a different open process with a different process of the other side' : 'one pair of processes'}; in each, every compared side (guarded, no-op middleware, the adapter verifying nothing; on Hono also the wrapped handler) loaded together with the open app and counted over the same ${settings.seconds} s window once both had run ${LEAD_IN_SECONDS} s, their order rotating by round${settings.warmUpSeconds > 0 ? `, after ${settings.warmUpSeconds} s of warm-up per process with every guard's route loaded at once` : ''}. (Until 2026-12-06's tenth stop both loads ran in the bench process, each counted over its own autocannon run: one pair in 20 had a side that ran a quarter second longer than the other, alone on the CPU, and in a third of Hono's pairs the load started second got 0.5–0.75× the requests of the other. Until the ninth stop, one process per side, 5 rounds after 5 s of warm-up: two processes of the same app then differed by up to 10 % in one run. Until 2026-12-05 the sides were loaded one after the other, each alone on the CPU, and paired by round: on this shared host the same no-op middleware then measured 0.77–1.17× the open route from one run to the next.)`,
      'The apps are written as a user would with `@gatehouse/verify/fastify` (gatehouseHook as preHandler), `@gatehouse/verify/express` (gatehouse middleware on the route) and `@gatehouse/verify/hono` (gatehouse middleware on the route, served by @hono/node-server; the judged side), and on Hono also `gatehouseHandler` around the route’s handler (the wrapped side). The guarded route answers `{"sub": <principal sub>}`, the open and no-op ones `{"sub": "anonymous"}`; the no-op middleware only passes the request on (Fastify: a preHandler calling `done()`; Express: `next()`; Hono: `await next()`). Each app registers the routes of all four guards in the same order (`/api/ES256`, `/api/EdDSA`, `/api/RS256`, `/api/session`), so routing costs every side the same: Express matches its route layers one by one, and the routers read the path a character at a time. (Until 2026-12-05 the open side was a separate `/open` route registered first in the guarded app, which charged the guarded side for its longer path and, on Express, for the earlier layers.)',
      'One SDK verifier per guard (static JWKS, in-process revocation feed, cache on): every timed request presents the same credential, so it is a cache hit. The session guard’s validateSession hook runs the real auth flow over the in-memory store (only on a miss). Each side’s process has its own keys and session, so its request carries a token of the same length, not the same token.',
      'Before timing, each guard is checked to answer 200 with the expected principal and 401 without a credential, the same route of the open and no-op apps 200, and the adapter verifying nothing 200 with its fixed principal with and without the credential; a timed run with any non-2xx answer fails its case, and so does a guard whose verifier answered under 99% of its accepted requests from the cache or any while its feed was stale.',
    );
    return result;
  },
};
