/**
 * What the embedded store's writes cost the event loop, with the store's statements on the event
 * loop (`GATEHOUSE_SQLITE_THREAD=off`) and on the store's thread (`on`, the default), under
 * `GATEHOUSE_SQLITE_SYNC=normal` and `full`. A login's writes (the session, its audit event, the
 * refresh token: one store call) go out at RATE per second for SECONDS through the store's interface, as the core
 * makes them, while `monitorEventLoopDelay` records how late the event loop turns. Not part of
 * `npm run bench` (docs/benchmarks.md, "The SQLite store on its own thread"):
 *
 *   flock /tmp/gh-bench.lock npx node bench/sqlite-thread.ts [seconds] [rate] [rounds]
 *
 * (`npx node`: the Node 24 the repository pins, which runs TypeScript; after `npm run build`.)
 *
 * Printed per variant and round: how late the event loop ran, p99 and max (sampled every 10 ms: a
 * finer timer costs the main thread more than the writes), the main thread's CPU per login's
 * writes, and how long a login's writes took (p50, p99).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { GatehouseStore } from '@gatehouse/core';
import { makeEvent, makeSession, makeUser } from '@gatehouse/core/testing';
import { openSqliteStore } from '../packages/server/src/store/index.ts';

const SECONDS = Number(process.argv[2] ?? 10);
const RATE = Number(process.argv[3] ?? 50);
const ROUNDS = Number(process.argv[4] ?? 2);
/** The delay monitor's timer: 1 ms would cost the main thread more than the writes measured. */
const RESOLUTION_MS = 10;
const VARIANTS = [
  { sync: 'normal', thread: false },
  { sync: 'normal', thread: true },
  { sync: 'full', thread: false },
  { sync: 'full', thread: true },
] as const;

/**
 * A login's writes, as the core makes them (one store call since 2026-12-06's third stop: the
 * session, its first refresh token and its audit event), with the store suite's records.
 */
async function loginWrites(store: GatehouseStore, n: number): Promise<void> {
  const session = makeSession('user-1', { id: `session-${n}` });
  const event = makeEvent({ actorId: 'user-1', subjectId: 'user-1', sessionId: session.id });
  await store.sessions.create(session, event, `refresh-${n}`);
}

async function measure(variant: (typeof VARIANTS)[number]) {
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-sqlite-thread-'));
  const store = await openSqliteStore({ path: join(directory, 'gatehouse.db'), ...variant });
  try {
    await store.users.create(makeUser({ id: 'user-1' }));
    // Warm-up: the statements prepared, the code compiled.
    for (let n = 0; n < 50; n++) await loginWrites(store, -1 - n);
    const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    const durations: number[] = [];
    const total = SECONDS * RATE;
    const cpu = process.threadCpuUsage();
    delay.enable();
    const started = performance.now();
    const pending: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const began = performance.now();
      pending.push(loginWrites(store, n).then(() => void durations.push(performance.now() - began)));
    }
    await Promise.all(pending);
    delay.disable();
    const used = process.threadCpuUsage(cpu);
    durations.sort((a, b) => a - b);
    const at = (share: number) =>
      durations[Math.min(durations.length - 1, Math.floor(share * durations.length))]!;
    return {
      // The monitor records each timer's whole interval: what is late is beyond it.
      loopP99Ms: delay.percentile(99) / 1e6 - RESOLUTION_MS,
      loopMaxMs: delay.max / 1e6 - RESOLUTION_MS,
      cpuPerLoginUs: (used.user + used.system) / total,
      writesP50Ms: at(0.5),
      writesP99Ms: at(0.99),
    };
  } finally {
    await store.close();
    await rm(directory, { recursive: true, force: true });
  }
}

const fixed = (value: number, digits = 2) => value.toFixed(digits);
console.log(`${RATE} logins' writes per second for ${SECONDS} s, ${ROUNDS} rounds, variants in turn`);
console.log(
  'sync    thread  event loop late p99 / max (ms)  main-thread CPU per login (µs)  writes p50 / p99 (ms)',
);
for (let round = 1; round <= ROUNDS; round++) {
  for (const variant of VARIANTS) {
    const result = await measure(variant);
    console.log(
      [
        variant.sync.padEnd(7),
        (variant.thread ? 'on' : 'off').padEnd(7),
        `${fixed(result.loopP99Ms)} / ${fixed(result.loopMaxMs)}`.padEnd(31),
        fixed(result.cpuPerLoginUs, 0).padEnd(31),
        `${fixed(result.writesP50Ms)} / ${fixed(result.writesP99Ms)}`,
      ].join(' '),
    );
  }
}
