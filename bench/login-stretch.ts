// Measures a served login's event-loop work over a file-backed SQLite store: the cost of each store
// call it makes, and the synchronous stretches between event-loop turns (a setImmediate ticker beside
// one login at a time). Run: npx node bench/login-stretch.ts [logins]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createAuth, createThreadedArgon2Hasher, limitHasher } from '@gatehouse/core';
import { createFastHasher } from '@gatehouse/core/testing';
import { openSqliteStore } from '../packages/server/src/store/index.ts';

const N = Number(process.argv[2] ?? 400);
const dir = await mkdtemp(join(tmpdir(), 'g3-stretch-'));
const store = await openSqliteStore({ path: join(dir, 'g.db') });
const email = 'flood@example.com';
const password = 'correct horse battery staple';
await createAuth({ store, hasher: createFastHasher() }).register({ email, password });

const quantiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${(q(0.5) * 1000).toFixed(0)} µs, p90 ${(q(0.9) * 1000).toFixed(0)} µs, max ${(s.at(-1)! * 1000).toFixed(0)} µs`;
};

// 1. Each store call of a served login, alone.
const user = (await store.users.getByEmail(email))!;
const timeCall = async (name: string, call: (i: number) => Promise<unknown>) => {
  const t: number[] = [];
  for (let i = 0; i < N; i++) {
    const start = performance.now();
    await call(i);
    t.push(performance.now() - start);
  }
  console.log(`${name.padEnd(22)} ${quantiles(t)}`);
};
if (!process.env.ONLY_LOGINS) {
  await timeCall('users.getByEmail', () => store.users.getByEmail(email));
  const now = Date.now();
  await timeCall('sessions.create', (i) =>
    store.sessions.create({
      id: `s${i}-${now}`,
      userId: user.id,
      secretHash: 'x'.repeat(43),
      strategy: 'session',
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: now + 1e6,
      absoluteExpiresAt: now + 1e7,
      userAgent: null,
      ip: '127.0.0.1',
    }),
  );
  await timeCall('audit.append', (i) =>
    store.audit.append({
      id: `a${i}-${now}`,
      type: 'login.success',
      at: now,
      actorId: user.id,
      subjectId: user.id,
      sessionId: null,
      ip: '127.0.0.1',
      userAgent: null,
      data: { strategy: 'session' },
    }),
  );
}
// 2. Whole logins, one at a time, the hash on a thread; a setImmediate ticker measures each stretch
// of the event loop that runs without a turn.
const hasher = createThreadedArgon2Hasher({ memoryKiB: 64, passes: 1, parallelism: 1 }, { threads: 1 });
const auth = createAuth({ store, hasher: limitHasher(hasher) });
await auth.register({ email: 'threaded@example.com', password });
for (let i = 0; i < 50; i++)
  await auth.login({ email: 'threaded@example.com', password }, { ip: '10.0.0.1', userAgent: null });
let ticking = true;
const gaps: number[] = [];
let current = 0;
const perLogin = Array.from({ length: N }, () => ({ max: 0, pieces: 0, busy: 0 }));
// Wall time: on a loaded machine a stretch includes waiting for a CPU (compare medians, alternate runs).
let last = performance.now();
const tick = () => {
  const t = performance.now();
  const gap = t - last;
  gaps.push(gap);
  const mine = perLogin[current];
  if (mine && gap > 0.02) {
    mine.pieces++;
    mine.busy += gap;
    if (gap > mine.max) mine.max = gap;
  }
  last = t;
  if (ticking) setImmediate(tick);
};
if (!process.env.NO_TICKER) setImmediate(tick);
const whole: number[] = [];
const t0 = performance.now();
const elu0 = performance.eventLoopUtilization();
for (let i = 0; i < N; i++) {
  current = i;
  const start = performance.now();
  await auth.login({ email: 'threaded@example.com', password }, { ip: '10.0.0.1', userAgent: null });
  whole.push(performance.now() - start);
  // PAUSE=1: a timer turn between logins, so that the next login's start is a stretch of its own.
  if (process.env.PAUSE) await new Promise((resolve) => setTimeout(resolve, 0));
}
const elu = performance.eventLoopUtilization(elu0);
ticking = false;
const wall = performance.now() - t0;
gaps.sort((a, b) => b - a);
console.log(
  `login (threaded)       ${quantiles(whole)} (wall ${((wall / N) * 1000).toFixed(0)} µs/login, loop busy ${((elu.active / N) * 1000).toFixed(0)} µs/login)`,
);
// The N longest stretches: about one (or more) per login.
const top = gaps.slice(0, N);
console.log(
  `longest stretch/login  ${quantiles(top)}; stretches > 100 µs: ${gaps.filter((g) => g > 0.1).length}`,
);
if (!process.env.NO_TICKER) {
  const pieces = perLogin.map((l) => l.pieces).sort((a, b) => a - b);
  console.log(
    `per login: longest stretch ${quantiles(perLogin.map((l) => l.max))}; stretches > 20 µs: median ${pieces[pieces.length >> 1]}; their sum ${quantiles(perLogin.map((l) => l.busy))}`,
  );
}
await hasher.close?.();
await store.close();
await rm(dir, { recursive: true, force: true });
process.exit(0);
