// A/B of the goal-3 flood between two checkouts' login code (not part of `npm run bench`): the
// service (bench/workers/http-service.ts, features jwt-sdk and login) is started from each tree in
// turn, the guarded route probed at 500 req/s idle and during a 400/s paced flood of
// /login-bounded with legitimate users (the bench's own prober and paced sender), rounds
// alternating A, B. Also the service main thread's CPU (schedstat) per second of each row.
// Run: flock /tmp/gh-bench.lock npx node bench/login-ab.ts <treeA> <treeB> [rounds] [floodSeconds]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { warmUp } from './lib/http-service.ts';
import { probeLatency } from './lib/latency-probe.ts';
import { startWorker } from './lib/workers.ts';
import type { HttpServiceReady } from './workers/http/types.ts';
import type { PacedLoginsCall, PacedLoginsReply } from './workers/paced-logins.ts';

const [treeA, treeB, roundsArg, secondsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 3);
const floodSeconds = Number(secondsArg ?? 12);
const idleSeconds = 4;
const PACED = new URL('./workers/paced-logins.ts', import.meta.url).pathname;

const cpuNs = (pid: number) =>
  Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]);

async function row(tree: string) {
  const service = await startWorker<HttpServiceReady>(join(tree, 'bench/workers/http-service.ts'), {
    features: ['jwt-sdk', 'login'],
    databaseUrl: '',
    redisUrl: '',
  });
  const sender = await startWorker<unknown>(PACED, {});
  try {
    const { port, cases } = service.ready;
    const guarded = cases.find((c) => c.path === '/jwt/sdk/ES256')!;
    const login = cases.find((c) => c.path === '/login-bounded')!;
    const probe = (durationSeconds: number) =>
      probeLatency({
        url: `http://127.0.0.1:${port}${guarded.path}`,
        headers: guarded.headers,
        ratePerSecond: 500,
        durationSeconds,
      });
    await warmUp(port, guarded, 1);
    await probe(1);
    let cpu = cpuNs(service.pid);
    const idle = await probe(idleSeconds);
    const idleCpu = (cpuNs(service.pid) - cpu) / 1e6 / idleSeconds;
    const url = `http://127.0.0.1:${port}${login.path}`;
    const call: PacedLoginsCall = {
      flood: {
        url,
        method: 'POST',
        headers: login.headers,
        body: login.body!,
        ratePerSecond: 400,
        durationSeconds: floodSeconds,
        maxInFlight: 64,
        localAddress: '127.0.0.2',
      },
      legit: {
        url,
        headers: login.headers,
        body: login.body!,
        bodies: login.otherAccounts!,
        localAddresses: Array.from({ length: 2 * (floodSeconds - 5) }, (_, n) => `127.0.1.${n + 1}`),
        usersPerSecond: 2,
        durationSeconds: floodSeconds - 5,
        maxTries: 5,
      },
    } as PacedLoginsCall;
    cpu = cpuNs(service.pid);
    const [flooded, reply] = await Promise.all([
      probe(floodSeconds),
      sender.call<PacedLoginsReply>(call, (floodSeconds + 30) * 1000),
    ]);
    const floodCpu = (cpuNs(service.pid) - cpu) / 1e6 / floodSeconds;
    const served = (reply.flood.statusCodes['200'] ?? 0) / floodSeconds;
    return {
      idle: idle.latencyMs.p99,
      flood: flooded.latencyMs.p99,
      served,
      idleCpu,
      floodCpu,
      codes: reply.flood.statusCodes,
    };
  } finally {
    await sender.stop();
    await service.stop();
  }
}

for (let round = 1; round <= rounds; round++) {
  for (const [name, tree] of round % 2
    ? [
        ['A', treeA!],
        ['B', treeB!],
      ]
    : [
        ['B', treeB!],
        ['A', treeA!],
      ]) {
    const r = await row(tree!);
    console.log(
      `round ${round} ${name}: idle p99 ${r.idle.toFixed(3)} ms, flood p99 ${r.flood.toFixed(3)} ms (${(r.flood / r.idle).toFixed(2)}×), ${r.served.toFixed(1)} logins/s, main thread CPU ${r.idleCpu.toFixed(0)} ms/s idle, ${r.floodCpu.toFixed(0)} ms/s flood, codes ${JSON.stringify(r.codes)}`,
    );
  }
}
process.exit(0);
