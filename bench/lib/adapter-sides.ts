import { formatRatio } from './format.ts';
import type { SharedWindow } from './load.ts';
import { threadsCpuMicros } from './process-cpu.ts';
import { median } from './stats.ts';
import type { Worker } from './workers.ts';
import type { AdapterAppReady } from '../workers/adapter-app.ts';
import { type AppForm, OPEN_SUB, UNVERIFIED_SUB } from '../workers/adapters/frameworks.ts';
import type { HttpCase } from '../workers/http/types.ts';

/**
 * The adapters scenario's apps of one framework: one process per side (a form of the app), and
 * the checks made before any timing.
 */
type Side = AppForm;

/** One process per side, each serving its form of the app alone. */
export type SideApps = Partial<Record<Side, Worker<AdapterAppReady>>>;

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

/** A side's app, its port, and the request its copy of guard `index` is sent (its own keys and token). */
export function sideOf(
  apps: SideApps,
  side: Side,
  index: number,
): { app: Worker<AdapterAppReady>; port: number; httpCase: HttpCase } {
  const app = apps[side];
  const port = app?.ready.ports[side];
  const httpCase = app?.ready.cases[index]?.[side];
  if (!app || port === undefined || !httpCase) throw new Error(`no ${side} app serves guard ${index}`);
  return { app, port, httpCase };
}

/**
 * Before any timing: the guard accepts its credential and refuses a request without one, the
 * same route of the open and no-op apps answers without asking for it, and the adapter around a
 * verifier that verifies nothing answers its fixed principal with or without one (it guards nothing).
 */
export async function checkReplies(apps: SideApps, index: number, sides: readonly Side[]): Promise<void> {
  for (const side of sides) {
    const { app, port, httpCase } = sideOf(apps, side, index);
    if (side === 'open' || side === 'noop') {
      await expectReply(port, httpCase, 200, OPEN_SUB);
      continue;
    }
    if (side === 'unverified') {
      await expectReply(port, httpCase, 200, UNVERIFIED_SUB);
      await expectReply(port, { ...httpCase, headers: {} }, 200, UNVERIFIED_SUB);
      continue;
    }
    await expectReply(port, httpCase, 200, app.ready.cases[index]!.expectedSub);
    await expectReply(port, { ...httpCase, headers: {} }, 401);
  }
}

/**
 * Which process of each side round `round` pairs, of `processes` per side: the open side's and the
 * compared side's, going over every pairing once in `processes`² rounds (two a side: the first
 * with the first, the second with the second, then crossed). Two processes of the very same app
 * can differ by 4–10 % in throughput for as long as they live (docs/benchmarks.md, ninth stop),
 * so a row judged on one pair of processes is judged on their draw.
 */
export function processesOfRound(round: number, processes: number): { open: number; compared: number } {
  const open = round % processes;
  return { open, compared: (open + Math.floor(round / processes)) % processes };
}

/** The pairs a ratio is the median of, and their range: how much the processes drawn moved it. */
export function spreadOf(ratios: number[]): string {
  if (ratios.length < 2) return `${ratios.length} pair`;
  return `${ratios.length} pairs, ${formatRatio(Math.min(...ratios))}–${formatRatio(Math.max(...ratios))}`;
}

/** The median of a side's figures, or NaN where there are none (/proc could not be read). */
export function medianOf(values: number[]): number {
  return values.length === 0 ? Number.NaN : median(values);
}

/** Rounds per guard: one for each pairing of an open process with a compared side's (`processesOfRound`). */
export function roundsOf(processes: number): number {
  return processes ** 2;
}

/** The compared sides of round `round`: rotated, so none always runs first. */
export function sidesOfRound<Side>(sides: readonly Side[], round: number): Side[] {
  return sides.map((_side, index) => sides[(index + round) % sides.length]!);
}

/**
 * A pair's shared counting window that reads each app process's CPU time at its edges: what each
 * used inside the window (undefined where /proc could not be read), and the window's length. The
 * two apps together should keep their CPU busy; if not, the load generator set the pace.
 */
export function cpuWindow(pids: number[], seconds: number, leadInSeconds: number) {
  let before: (number | undefined)[] = [];
  let after: (number | undefined)[] = [];
  const edges = { opened: 0, closed: 0 };
  const window: SharedWindow = {
    seconds,
    leadInSeconds,
    onOpen: () => {
      before = pids.map(threadsCpuMicros);
      edges.opened = performance.now();
    },
    onClose: () => {
      edges.closed = performance.now();
      after = pids.map(threadsCpuMicros);
    },
  };
  const used = () =>
    pids.map((_pid, at) => {
      const [start, end] = [before[at], after[at]];
      return start === undefined || end === undefined ? undefined : end - start;
    });
  return { window, used, windowMicros: () => (edges.closed - edges.opened) * 1000 };
}
