import { createArgon2Hasher, DEFAULT_HASH_QUEUE, defaultHashConcurrency } from '@gatehouse/core';
import { attempt } from '../lib/cases.ts';
import { formatNumber, formatRatio, formatSpread } from '../lib/format.ts';
import { assertAllOk, loadOptions, startHttpService, warmUp } from '../lib/http-service.ts';
import { type ProbeResult, probeLatency } from '../lib/latency-probe.ts';
import { runLoad } from '../lib/load.ts';
import { describeCores, describeMachine } from '../lib/machine.ts';
import { runQueueWaitNs } from '../lib/process-cpu.ts';
import { BENCH_PASSWORD } from '../lib/session-fixture.ts';
import type { LegitLoginResult } from '../lib/paced-load.ts';
import { ratio, type Summary, summarize } from '../lib/stats.ts';
import { emptyResult, type Scenario, type ScenarioContext, type ScenarioResult } from '../lib/types.ts';
import { startWorker, type Worker } from '../lib/workers.ts';
import type { HttpCase } from '../workers/http/types.ts';
import type { PacedLoginsCall, PacedLoginsReply } from '../workers/paced-logins.ts';

const PACED_LOGINS = new URL('../workers/paced-logins.ts', import.meta.url).pathname;

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

/** Runs `work` and adds the event loop's CPU wait during it, in ms per second, to its row. */
async function withCpuWait(pid: number, work: () => Promise<FloodRow>): Promise<FloodRow> {
  const before = runQueueWaitNs(pid);
  const row = await work();
  const after = runQueueWaitNs(pid);
  if (before !== null && after !== null) row.cpuWaitMsPerSecond = (after - before) / 1e6 / row.seconds;
  return row;
}

interface FloodRow {
  /** Time the service's event loop waited for a CPU, ms per second of the row (Linux only). */
  cpuWaitMsPerSecond?: number;
  name: string;
  probe: ProbeResult;
  flood?: { statusCodes: Record<string, number> };
  /** How the flood was sent. */
  kind?: FloodKind;
  /** Paced floods: logins due but not sent (in-flight cap) or unanswered (timeout). */
  unsent?: number;
  /** Legitimate users logging in during the flood (paced floods on a hashing route). */
  legit?: LegitLoginResult;
  seconds: number;
  /** Hashes allowed at once when the login route is bounded (for logins/s per core). */
  hashingCores?: number;
  /** The flood's fixed rate, if it had one. */
  ratePerSecond?: number;
  /** The flooded login route. */
  path?: string;
  /** Paced floods: where the legitimate users sent from (see `Flood`). */
  usersFrom?: 'own' | 'flood';
  baseline?: boolean;
  /** `/login-bounded` floods: hashes handed from a starved low-priority thread to a rescue thread. */
  rescued?: number;
}

/**
 * `closed`: `connections` autocannon loops, each sending when answered. `paced`: open loop, one
 * login every 1 / rate s, from a process of its own (`bench/workers/paced-logins.ts`), at most
 * `connections` in flight. `bursts`: autocannon's `overallRate`, a per-connection budget per second
 * spent at the start of each second, so the rate arrives in bursts.
 */
type FloodKind = 'closed' | 'paced' | 'bursts';

/** A flood of logins against one login route, for `seconds`. */
interface Flood {
  httpCase: HttpCase;
  kind: FloodKind;
  connections: number;
  seconds: number;
  /** The bounded route answers 503 past its queue: those count as refused, not as failures. */
  bounded: boolean;
  /** Logins per second sent, whatever the answers; unset: each connection loops as fast as answered. */
  ratePerSecond?: number;
  /**
   * Paced floods on a hashing route: where the legitimate users send from. `own`: each from an
   * address of its own, the flood from another (the server can tell them apart); `flood`: from
   * the flood's own address (it cannot).
   */
  usersFrom?: 'own' | 'flood';
}

/** Connections of the overflow floods: far more than the bounded queue holds, so most are refused. */
const OVERFLOW_CONNECTIONS = 64;
/** The goal's flood: a fixed rate, several times what one hashing core serves (about 45/s). */
const OVERFLOW_RATE_PER_SECOND = 400;
/** The autocannon-bursts row: long enough to show the tail, short enough to keep the run < 3 min. */
const BURST_SECONDS = 10;
/** Legitimate users during the goal's flood: new ones per second, and tries each (Retry-After between). */
const LEGIT_USERS_PER_SECOND = 2;
const LEGIT_MAX_TRIES = 5;
/**
 * Source addresses (Linux routes all of 127.0.0.0/8 to loopback; the service sees the socket
 * peer, as the server does with no proxy trusted): the paced flood from one address, each
 * legitimate user from one of its own. The prober and autocannon send from 127.0.0.1.
 */
const FLOOD_ADDRESS = '127.0.0.2';
const userAddress = (n: number) => `127.0.1.${n + 1}`;
/**
 * The contrast rows (users sending from the flood's address; a wait in place of each hash):
 * shorter, to keep the run under 3 minutes.
 */
const CONTRAST_SECONDS = 15;

const isBounded = (httpCase: HttpCase) => httpCase.path.startsWith('/login-bounded');
/** The bound with each hash replaced by a wait as long (no hashing CPU): a contrast row. */
const isWaiting = (httpCase: HttpCase) => httpCase.path === '/login-bounded-wait';
/**
 * The goal's flood only: the bound with its hashes on the libuv pool at normal priority (the A/B),
 * the bound with a wait in place of each hash, and a route that refuses every login at once (the
 * flood's HTTP cost without any hashing).
 */
const goalFloodOnly = (httpCase: HttpCase) =>
  httpCase.path === '/login-bounded-pool' || httpCase.path === '/login-refused' || isWaiting(httpCase);

function floodsOf(cases: HttpCase[], quick: boolean, seconds: number): Flood[] {
  const floods: Flood[] = [];
  // The goal's flood: "a 30 s flood at any rate" (quick: as short as the others), at a fixed rate
  // far over capacity; its shorter variants last `fullSeconds` in a full run.
  const goalFlood = (httpCase: HttpCase, fullSeconds = 30): Flood => ({
    httpCase,
    kind: 'paced',
    connections: OVERFLOW_CONNECTIONS,
    seconds: quick ? seconds : fullSeconds,
    bounded: true,
    ratePerSecond: OVERFLOW_RATE_PER_SECOND,
    usersFrom: 'own',
  });
  for (const httpCase of cases.filter((c) => c.group === 'login')) {
    if (goalFloodOnly(httpCase)) {
      floods.push(isWaiting(httpCase) ? goalFlood(httpCase, CONTRAST_SECONDS) : goalFlood(httpCase));
      continue;
    }
    const bounded = isBounded(httpCase);
    floods.push({ httpCase, kind: 'closed', connections: FLOOD_CONNECTIONS, seconds, bounded });
    if (bounded) {
      floods.push(goalFlood(httpCase));
      // The same flood with the users sending from the flood's own address: no fairness can tell
      // them apart, shown so that the judged row is not read as more than it is.
      floods.push({ ...goalFlood(httpCase, CONTRAST_SECONDS), usersFrom: 'flood' });
      // The same rate as autocannon sends it (the goal's flood before): bursts at each second's start.
      floods.push({ ...goalFlood(httpCase, BURST_SECONDS), kind: 'bursts' });
      // Then as fast as the server answers, an HTTP flood in itself.
      floods.push({ httpCase, kind: 'closed', connections: OVERFLOW_CONNECTIONS, seconds, bounded });
    }
  }
  return floods;
}

async function guardedUnderFlood(ctx: ScenarioContext, result: ScenarioResult): Promise<void> {
  const seconds = ctx.quick ? 1.5 : 5;
  const service = await startHttpService(ctx, ['jwt-sdk', 'login']);
  let sender: Worker<unknown> | undefined;
  try {
    sender = await startWorker<unknown>(PACED_LOGINS, {});
    result.failures.push(...service.ready.failures);
    const { port, cases } = service.ready;
    const guarded = cases.find((c) => c.path === '/jwt/sdk/ES256');
    const floods = floodsOf(cases, ctx.quick, seconds);
    if (!guarded || floods.length === 0)
      throw new Error('the service has no guarded route or no login route');
    const probe = (durationSeconds: number) =>
      probeLatency({
        url: `http://127.0.0.1:${port}${guarded.path}`,
        headers: guarded.headers,
        ratePerSecond: PROBE_RATE_PER_SECOND,
        durationSeconds,
      });
    await warmUp(port, guarded, ctx.quick ? 0.5 : 1);
    // The prober itself warm too (its HTTP client's code compiled, as it is during every flood row),
    // so that the idle figure is not the first, colder probe of the run: discarded.
    await probe(ctx.quick ? 0.5 : 2);
    const rows: FloodRow[] = [
      await withCpuWait(service.pid, async () => ({
        name: 'guarded route alone (baseline)',
        probe: await probe(seconds),
        seconds,
        baseline: true,
      })),
    ];
    ctx.progress(`guarded route alone: p99 ${formatNumber(rows[0]!.probe.latencyMs.p99)} ms`);
    const hashingCores = defaultHashConcurrency();
    for (const flood of floods) {
      const name = floodName(flood);
      const row = await attempt(result, name, () =>
        withCpuWait(service.pid, () => probeDuringFlood(port, flood, probe, sender!)),
      );
      if (!row) continue;
      if (isBounded(flood.httpCase)) row.hashingCores = hashingCores;
      ctx.progress(
        `during ${name}: p99 ${formatNumber(row.probe.latencyMs.p99)} ms, ${formatNumber(served(row) / row.seconds)} logins/s, ${formatNumber(refused(row) / row.seconds)} refused/s`,
      );
      rows.push(row);
    }
    // The idle figure again, after the floods: how much the baseline itself moves in this run.
    rows.push(
      await withCpuWait(service.pid, async () => ({
        name: 'guarded route alone, after the floods',
        probe: await probe(seconds),
        seconds,
      })),
    );
    addFloodSection(result, rows, guarded.name);
  } finally {
    await sender?.stop();
    await service.stop();
  }
}

function floodName(flood: Flood): string {
  const from =
    flood.usersFrom === 'flood'
      ? ", users from the flood's address"
      : flood.usersFrom === 'own' && flood.httpCase.path !== '/login-refused'
        ? ', from one address, users from their own'
        : '';
  const how =
    flood.kind === 'paced'
      ? `${flood.ratePerSecond}/s paced (open loop, ≤ ${flood.connections} in flight${from})`
      : flood.kind === 'bursts'
        ? `${flood.ratePerSecond}/s in autocannon bursts (${flood.connections} connections)`
        : `${flood.connections} connections, as fast as answered`;
  return `${flood.httpCase.name}, ${how}, ${flood.seconds} s`;
}

const served = (row: FloodRow) => row.flood?.statusCodes['200'] ?? 0;
const refused = (row: FloodRow) => row.flood?.statusCodes['503'] ?? 0;

/** Legitimate users start early enough for all their tries to fall within the flood. */
const legitSeconds = (floodSeconds: number) => Math.max(0.5, floodSeconds - LEGIT_MAX_TRIES);

/** The flood as `flood.kind` says, from the paced-logins process or autocannon in this one. */
async function sendFlood(
  port: number,
  flood: Flood,
  sender: Worker<unknown>,
): Promise<{
  statusCodes: Record<string, number>;
  errors: number;
  unsent?: number;
  legit?: LegitLoginResult;
}> {
  const target = loadOptions(port, flood.httpCase);
  if (flood.kind !== 'paced') {
    return runLoad({
      ...target,
      durationSeconds: flood.seconds,
      connections: flood.connections,
      ...(flood.ratePerSecond === undefined ? {} : { overallRate: flood.ratePerSecond }),
    });
  }
  const hashes = flood.httpCase.path !== '/login-refused';
  const call: PacedLoginsCall = {
    flood: {
      ...target,
      ratePerSecond: flood.ratePerSecond!,
      durationSeconds: flood.seconds,
      maxInFlight: flood.connections,
      localAddress: FLOOD_ADDRESS,
    },
    ...(hashes
      ? {
          legit: {
            url: target.url,
            headers: target.headers,
            ...(target.body === undefined ? {} : { body: target.body }),
            // Each user logs in to an account of its own (the flood targets the case's account).
            ...(flood.httpCase.otherAccounts ? { bodies: flood.httpCase.otherAccounts } : {}),
            localAddresses:
              flood.usersFrom === 'flood'
                ? [FLOOD_ADDRESS]
                : Array.from(
                    { length: Math.ceil(legitSeconds(flood.seconds) * LEGIT_USERS_PER_SECOND) },
                    (_, n) => userAddress(n),
                  ),
            usersPerSecond: LEGIT_USERS_PER_SECOND,
            durationSeconds: legitSeconds(flood.seconds),
            maxTries: LEGIT_MAX_TRIES,
          },
        }
      : {}),
  };
  const reply = await sender.call<PacedLoginsReply>(call, (flood.seconds + 30) * 1000);
  const { flood: paced, legit } = reply;
  if ((legit?.unexpected ?? 0) > 0)
    throw new Error(
      `${flood.httpCase.name}: ${legit?.unexpected} legitimate logins answered neither 200 nor 503`,
    );
  // Logins not sent (the in-flight cap reached) and errors (timeouts) are the flood's failures,
  // counted in the row and judged by the scorecard, not a crash of the run.
  return {
    statusCodes: paced.statusCodes,
    errors: 0,
    unsent: paced.notSent + paced.errors,
    ...(legit ? { legit } : {}),
  };
}

/** Hashes the service's low-priority threads have handed to a rescue thread so far. */
async function hashRescues(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/hash-rescues`);
  return ((await response.json()) as { rescued: number }).rescued;
}

async function probeDuringFlood(
  port: number,
  flood: Flood,
  probe: (seconds: number) => Promise<ProbeResult>,
  sender: Worker<unknown>,
): Promise<FloodRow> {
  // Rescues are counted on the server's hasher alone (the `/login-bounded` route).
  const counted = flood.httpCase.path === '/login-bounded';
  const rescuedBefore = counted ? await hashRescues(port) : 0;
  const [probed, load] = await Promise.all([probe(flood.seconds), sendFlood(port, flood, sender)]);
  const rescued = counted ? (await hashRescues(port)) - rescuedBefore : undefined;
  const completed = Object.values(load.statusCodes).reduce((sum, count) => sum + count, 0);
  if (flood.bounded) {
    // 503 is the bounded route's answer at capacity; anything else but 200 is a failure. No 200 at
    // all is a result, not a failure: the table shows it (and the scorecard judges it).
    const other = Object.entries(load.statusCodes).filter(([code]) => code !== '200' && code !== '503');
    if (other.length > 0 || load.errors > 0 || completed === 0)
      throw new Error(
        `${flood.httpCase.name}: ${load.errors} errors, status codes ${JSON.stringify(load.statusCodes)}`,
      );
  } else
    assertAllOk(flood.httpCase, { ...load, completed, non2xx: completed - (load.statusCodes['200'] ?? 0) });
  return {
    name: `guarded route while flooded by: ${floodName(flood)}`,
    path: flood.httpCase.path,
    kind: flood.kind,
    ...(flood.usersFrom ? { usersFrom: flood.usersFrom } : {}),
    ...(flood.ratePerSecond === undefined ? {} : { ratePerSecond: flood.ratePerSecond }),
    ...(load.legit ? { legit: load.legit } : {}),
    ...(load.unsent === undefined ? {} : { unsent: load.unsent }),
    probe: probed,
    flood: { statusCodes: load.statusCodes },
    ...(rescued === undefined ? {} : { rescued }),
    seconds: flood.seconds,
  };
}

function addFloodSection(result: ScenarioResult, rows: FloodRow[], guardedName: string): void {
  const alone = rows.find((row) => row.baseline)?.probe.latencyMs.p99;
  result.sections.push({
    title: 'Guarded-route latency while logins flood',
    description: `The guarded route (${guardedName}) is probed at a steady ${PROBE_RATE_PER_SECOND} req/s, alone and while logins flood the same process: N connections sending as fast as they are answered; paced, one login every 1/rate s from a process of its own (open loop, like wrk2; the goal's flood); or in autocannon bursts (its \`overallRate\` is a budget per connection per second, spent at the start of each second). During the paced floods on a hashing route, legitimate users (${LEGIT_USERS_PER_SECOND} new ones a second, their own connections, each to an account of its own) log in as a client would: on 503 they wait Retry-After and try again, ${LEGIT_MAX_TRIES} tries at most. The paced flood sends from ${FLOOD_ADDRESS} to one account; the users each from an address of their own (127.0.1.n), or, in the row that says so, from the flood's address (the server cannot tell them apart). "Bounded" is the server's hashing limit (core \`limitHasher\`: cores − 1 hashes at once, ${DEFAULT_HASH_QUEUE} waiting, shared fairly by client address and account, then 503 without hashing), with the server's hasher (\`createThreadedArgon2Hasher\`: as many worker threads, at nice 19 and SCHED_IDLE where util-linux chrt exists; a hash not finished 500 ms after it started is also started on a rescue thread at nice 10, counted in the last column) or, for A/B, on the libuv pool at normal priority; the first login row hashes on the pool without a bound; the waiting row runs the same bound with each hash replaced by a timer as long as one hash on this machine (the flood's cost without the hashing CPU: logins served, queue and route alike); the refused row answers every login 503 without hashing (the flood's HTTP cost alone). "Event loop waiting for a CPU" is the time the service's main thread spent runnable but not running (Linux schedstat).`,
    table: {
      columns: [
        'case',
        'p50 ms',
        'p99 ms',
        'max ms',
        'p99 × alone',
        'logins/s',
        'logins/s per hashing core',
        '503/s',
        'event loop waiting for a CPU, ms/s',
        'probe failures',
        'flood logins not sent or failed',
        'legitimate users in: first try / within 5 tries',
        'hashes rescued at nice 10',
      ],
      align: ['left', ...Array<'right'>(12).fill('right')],
      rows: rows.map((row) => [
        row.name,
        formatNumber(row.probe.latencyMs.p50),
        formatNumber(row.probe.latencyMs.p99),
        formatNumber(row.probe.latencyMs.max),
        formatRatio(ratio(row.probe.latencyMs.p99, alone)),
        row.flood ? formatNumber(served(row) / row.seconds) : '–',
        row.flood && row.hashingCores ? formatNumber(served(row) / row.seconds / row.hashingCores) : '–',
        row.flood ? formatNumber(refused(row) / row.seconds) : '–',
        row.cpuWaitMsPerSecond === undefined ? '–' : formatNumber(row.cpuWaitMsPerSecond),
        String(row.probe.failed),
        row.unsent === undefined ? '–' : String(row.unsent),
        row.legit ? legitShares(row.legit) : '–',
        row.rescued === undefined ? '–' : String(row.rescued),
      ]),
    },
    chart: {
      title: 'Guarded route p99 latency',
      unit: 'ms',
      better: 'lower',
      logScale: true,
      bars: rows.map((row) => ({
        label: row.name.replace('guarded route while flooded by: ', 'flood: ').replace(/ \(.*?\)/, ''),
        value: row.probe.latencyMs.p99,
        baseline: row.baseline ?? false,
      })),
    },
  });
  addFloodHeadlines(result, rows, alone);
}

const p99Of = (row: FloodRow | undefined) => row?.probe.latencyMs.p99 ?? Number.NaN;

const percent = (part: number, whole: number) => `${formatNumber((100 * part) / whole)} %`;
const legitShares = (legit: LegitLoginResult) =>
  `${percent(legit.firstTry, legit.users)} / ${percent(legit.eventually, legit.users)} of ${legit.users}`;

function addFloodHeadlines(result: ScenarioResult, rows: FloodRow[], alone: number | undefined): void {
  const pool = rows.find((row) => row.name.includes('Argon2id m='));
  const blocking = rows.find((row) => row.name.includes('argon2Sync'));
  if (alone !== undefined && pool) {
    result.headlines.push(
      `Login flood, unbounded hashing (${formatNumber(served(pool) / pool.seconds)} logins/s): guarded-route p99 ${formatNumber(p99Of(pool))} ms (${formatRatio(ratio(p99Of(pool), alone))} the ${formatNumber(alone)} ms without it)${blocking ? `; hashing on the event loop instead: ${formatNumber(p99Of(blocking))} ms (${formatRatio(ratio(p99Of(blocking), alone))})` : ''}.`,
    );
  }
  const flood = rows.find(
    (row) => row.path === '/login-bounded' && row.kind === 'paced' && row.usersFrom === 'own',
  );
  const sameAddress = rows.find((row) => row.path === '/login-bounded' && row.usersFrom === 'flood');
  const bursts = rows.find((row) => row.path === '/login-bounded' && row.kind === 'bursts');
  if (alone === undefined || !flood) return;
  // The same flood on the bound with libuv-pool hashing at normal priority (before the threads).
  const onPool = rows.find((row) => row.path === '/login-bounded-pool' && row.kind === 'paced');
  const sharesOf = (row: FloodRow | undefined) => (row?.legit ? legitShares(row.legit) : '–');
  const idleAfter = p99Of(rows.find((row) => !row.flood && !row.baseline));
  const noHashing = rows.find((row) => row.path === '/login-refused' && row.kind === 'paced');
  const waiting = rows.find((row) => row.path === '/login-bounded-wait' && row.kind === 'paced');
  const wait = (row: FloodRow | undefined) =>
    row?.cpuWaitMsPerSecond === undefined ? '–' : `${formatNumber(row.cpuWaitMsPerSecond)}`;
  const p99Ratio = ratio(p99Of(flood), alone);
  // Judged against the lower of the two idle figures (before and after the floods): an idle probe
  // that caught a slow moment must not make the flood look cheap.
  const afterRatio = ratio(p99Of(flood), idleAfter);
  const judgedRatio = Number.isFinite(afterRatio) ? Math.max(p99Ratio, afterRatio) : p99Ratio;
  const perSecond = served(flood) / flood.seconds;
  const perCore = perSecond / flood.hashingCores!;
  result.headlines.push(
    `Login flood, bounded hashing on low-priority threads (${OVERFLOW_RATE_PER_SECOND} logins/s for ${flood.seconds} s): guarded-route p99 ${formatNumber(p99Of(flood))} ms (${formatRatio(p99Ratio)} idle, ${formatRatio(ratio(p99Of(flood), idleAfter))} the idle figure taken after the floods); ${formatNumber(perSecond)} logins/s served (${formatNumber(perCore)} per hashing core), ${formatNumber(refused(flood) / flood.seconds)}/s refused with 503.${onPool ? ` Hashing on the libuv pool instead: p99 ${formatNumber(p99Of(onPool))} ms (${formatRatio(ratio(p99Of(onPool), alone))}), ${formatNumber(served(onPool) / onPool.seconds)} logins/s.` : ''}`,
  );
  result.scorecard = [
    {
      goal: 3,
      what: `guarded-route p99 during a ${flood.seconds} s login flood (${OVERFLOW_RATE_PER_SECOND}/s paced, open loop, bounded hashing) ÷ idle (the lower of the idle figures taken before and after the floods); logins still served`,
      value: `${formatRatio(judgedRatio)} (${formatNumber(p99Of(flood))} ms; ${formatRatio(p99Ratio)} the ${formatNumber(alone)} ms idle before the floods, ${formatRatio(afterRatio)} the ${formatNumber(idleAfter)} ms idle after them); ${formatNumber(perSecond)} logins/s served, ${formatNumber(perCore)} per hashing core${flood.unsent ? `; ${flood.unsent} flood logins not sent or failed` : ''}${flood.rescued ? `; ${flood.rescued} hashes rescued at nice 10` : ''}${flood.legit ? `; legitimate users (${LEGIT_USERS_PER_SECOND}/s, each from its own address, retrying after Retry-After) in at the first try / within ${LEGIT_MAX_TRIES} tries: ${legitShares(flood.legit)}; from the flood's own address (${sameAddress?.seconds ?? '–'} s): ${sharesOf(sameAddress)}` : ''}`,
      target: '≤ 2.00×, logins > 0 (legitimate users among them)',
      // A flood that could not be sent at its rate (the in-flight cap reached) did not test the goal.
      pass:
        Number.isFinite(judgedRatio) &&
        judgedRatio <= 2 &&
        perSecond > 0 &&
        (flood.unsent ?? 0) === 0 &&
        // Legitimate users (their own addresses) among those served, when the row had any.
        (flood.legit === undefined || flood.legit.eventually > 0),
      baselines: `the same ${OVERFLOW_RATE_PER_SECOND}/s in autocannon bursts (the flood before, ${bursts?.seconds ?? '–'} s): ${bursts ? formatRatio(ratio(p99Of(bursts), alone)) : '–'}; same paced flood, hashing on the libuv pool: ${onPool ? `${formatRatio(ratio(p99Of(onPool), alone))}` : '–'}; same paced flood, each hash replaced by a wait as long (no hashing CPU, ${waiting?.seconds ?? '–'} s): ${waiting ? formatRatio(ratio(p99Of(waiting), alone)) : '–'}; same paced flood refused without hashing: ${noHashing ? formatRatio(ratio(p99Of(noHashing), alone)) : '–'}; unbounded hashing: ${pool ? `${formatRatio(ratio(p99Of(pool), alone))} (${FLOOD_CONNECTIONS} connections)` : '–'}; idle p99 ${formatNumber(alone)} ms; event loop waiting for a CPU (ms/s): ${wait(flood)} during the flood, ${wait(onPool)} hashing on the libuv pool, ${wait(waiting)} waiting instead of hashing, ${wait(noHashing)} without hashing, ${wait(rows.find((row) => row.baseline))} idle`,
    },
  ];
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
      "The login routes are the core's real login (createAuth over SQLite, its statements where the server runs them: GATEHOUSE_SQLITE_THREAD and GATEHOUSE_SQLITE_SYNC from the bench's environment, by default on the event loop; default Argon2id parameters), served by the same tiny node:http service as the HTTP scenario, in a child process; the bounded ones wrap the hasher in limitHasher with the server's defaults and answer 503 + Retry-After at capacity, as the server does: the server's own on low-priority worker threads (nice 19, SCHED_IDLE where chrt exists), the other on the libuv pool (before). The guarded route is the SDK (ES256, cache hit).",
      "Logins/s per hashing core is the bounded route's served logins per second divided by the hashes it lets run at once (cores − 1, at least 1): the capacity to plan with. The idle probe is repeated after the floods to show how much the baseline itself moved.",
      `On this machine (${describeCores()}), hashing on the ${describeMachine().uvThreadpoolSize}-thread libuv pool at normal priority takes CPU time from the event loop, which shows as latency even though nothing blocks it; at nice 19 / SCHED_IDLE the event loop preempts it. The argon2Sync row shows what blocking the event loop would cost.`,
    );
    return result;
  },
};
