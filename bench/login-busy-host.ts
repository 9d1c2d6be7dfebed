// Logins on a host whose every core is busy with other work: the auth server (started here, SQLite,
// default hashing: nice 19 and SCHED_IDLE threads) answers one login after another while busy
// processes at normal priority spin on every core, with the starved-hash rescue on (the default,
// 500 ms) and off (GATEHOUSE_PASSWORD_HASH_RESCUE_MS=0), for 1, 2 and 4 busy processes per core.
// Each login's time is printed, as the client sees it. Run: npx node bench/login-busy-host.ts [logins]
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { busyEveryCore } from '@gatehouse/core/testing';
import { spawnNode } from '../test/e2e/support/node-process.ts';
import { freePort } from '../test/support/free-port.ts';

const LOGINS = Number(process.argv[2] ?? 3);
const PASSWORD = 'correct horse battery staple';
const cli = new URL('../packages/server/src/cli.ts', import.meta.url).pathname;

async function withServer(rescueMs: number, run: (url: string) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-busy-host-'));
  // A port of its own up front: the default issuer and allowed origin are http://localhost:<port>.
  const port = await freePort();
  const server = spawnNode(
    'auth server',
    cli,
    {
      PORT: String(port),
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_PASSWORD_HASH_RESCUE_MS: String(rescueMs),
      LOG_LEVEL: 'warn',
    },
    { args: [cli, 'serve'] },
  );
  try {
    await server.waitForLine((line) => (line.includes('listening on') ? true : undefined), 20_000);
    await run(`http://localhost:${port}`);
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function post(url: string, path: string, email: string): Promise<number> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  await response.arrayBuffer();
  return response.status;
}

for (const perCore of [1, 2, 4]) {
  for (const rescueMs of [500, 0]) {
    await withServer(rescueMs, async (url) => {
      const email = `busy-${perCore}-${rescueMs}@example.com`;
      if ((await post(url, '/auth/register', email)) !== 202) throw new Error('register failed');
      const busy = await busyEveryCore({ count: perCore * availableParallelism(), nice: 0, maxSeconds: 300 });
      const seconds: string[] = [];
      try {
        for (let i = 0; i < LOGINS; i++) {
          const start = performance.now();
          const status = await post(url, '/auth/login', email);
          if (status !== 200) throw new Error(`login answered ${status}`);
          seconds.push(((performance.now() - start) / 1000).toFixed(2));
        }
      } finally {
        await busy.stop();
      }
      console.log(
        `${perCore} busy per core, rescue ${rescueMs ? `after ${rescueMs} ms` : 'off'}: logins took ${seconds.join(' / ')} s`,
      );
    });
  }
}
