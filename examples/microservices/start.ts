/**
 * `npm run example:microservices`: the auth server (the real `gatehouse serve`) and two services
 * that trust it through @gatehouse/verify, orders (Express) and billing (Hono), all on 127.0.0.1.
 * The revocation feed is the auth server's SSE stream, or Redis Streams when REDIS_URL is set.
 * Ctrl-C stops all three; so does this process dying in any other way (see lib/exit-with-parent.ts).
 *
 * Settings (environment): AUTH_PORT (3000), ORDERS_PORT (4001), BILLING_PORT (4002), REDIS_URL,
 * GATEHOUSE_ISSUER (http://localhost:3000, the server's default), GATEHOUSE_SERVICE_TOKEN
 * (generated), LOG_LEVEL (warn). The auth server keeps its data in a temporary directory that is
 * removed on exit: every run starts empty.
 *
 * With SPA_PORT set (`npm run example:spa` sets 5173; 0 picks a free port), a fourth process serves
 * the example SPA (examples/spa) on http://localhost:<SPA_PORT>: the auth server accepts that
 * origin and both services answer it with CORS.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const STARTUP_MS = 30_000;
const STOP_MS = 5_000;

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const env = process.env;
const issuer = env.GATEHOUSE_ISSUER ?? 'http://localhost:3000';
const audience = env.GATEHOUSE_AUDIENCE ?? 'gatehouse';
const serviceToken = env.GATEHOUSE_SERVICE_TOKEN ?? randomBytes(32).toString('base64url');
const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-example-'));

interface Running {
  name: string;
  label: string;
  child: ChildProcess;
  url: Promise<string>;
}
const running: Running[] = [];

/**
 * Starts `node <script>` with its output prefixed by its name, and resolves `url` from the line
 * it prints once listening. Children run in a process group of their own, so Ctrl-C reaches only
 * this process, which stops them all; they watch their IPC channel to die with it.
 */
function run(name: string, label: string, args: string[], childEnv: Record<string, string>): Running {
  const child = spawn(process.execPath, args, {
    env: { ...env, ...childEnv },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
  });
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within ${STARTUP_MS} ms`)),
      STARTUP_MS,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      console.log(`[${name}] ${line}`);
      const listening = /listening on (http:\/\/[^\s;]+)/.exec(line);
      if (listening) {
        clearTimeout(timer);
        resolve(listening[1]!);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before it was listening`));
    });
  });
  url.catch(() => {});
  createInterface({ input: child.stderr! }).on('line', (line) => console.error(`[${name}] ${line}`));
  child.once('exit', (code, signal) => {
    if (!stopped) {
      console.error(`[${name}] exited (${code ?? signal}); stopping the example`);
      void stopAll(1);
    }
  });
  const entry = { name, label, child, url };
  running.push(entry);
  return entry;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * SIGTERM to every child, SIGKILL to any still running after STOP_MS; then the data goes and this
 * process exits. Called again (a second Ctrl-C), it waits for the first call instead of cutting
 * the children's shutdown short.
 */
let stopped: Promise<never> | undefined;
function stopAll(exitCode: number): Promise<never> {
  stopped ??= (async () => {
    await Promise.all(
      running.map(async ({ child }) => {
        if (hasExited(child)) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(exitCode);
  })();
  return stopped;
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
// Last resort (an exception escaped): never leave a child behind.
process.on('exit', () => {
  for (const { child } of running) if (!hasExited(child)) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** A free loopback port, for a SPA_PORT of 0: the SPA's origin must be known before the auth server starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const spaPort = env.SPA_PORT === undefined ? null : Number(env.SPA_PORT) || (await freePort());
const spaOrigin = spaPort === null ? null : `http://localhost:${spaPort}`;

const shared = {
  GATEHOUSE_ISSUER: issuer,
  GATEHOUSE_AUDIENCE: audience,
  GATEHOUSE_SERVICE_TOKEN: serviceToken,
};

try {
  const auth = run(
    'auth',
    'auth server',
    ['--import', here('./lib/exit-with-parent.ts'), here('../../packages/server/src/cli.ts'), 'serve'],
    {
      ...shared,
      HOST: '127.0.0.1',
      PORT: env.AUTH_PORT ?? '3000',
      GATEHOUSE_DATA_DIR: dataDir,
      LOG_LEVEL: env.LOG_LEVEL ?? 'warn',
      ...(spaOrigin && !env.GATEHOUSE_ALLOWED_ORIGINS
        ? { GATEHOUSE_ALLOWED_ORIGINS: `${new URL(issuer).origin},${spaOrigin}` }
        : {}),
    },
  );
  // The services load the keys and the feed's snapshot at start: the auth server must be up first.
  const authUrl = await auth.url;
  const service = { ...shared, GATEHOUSE_URL: authUrl, ...(spaOrigin ? { CORS_ORIGINS: spaOrigin } : {}) };
  run('orders', 'orders, Express', [here('./orders-service.ts')], {
    ...service,
    PORT: env.ORDERS_PORT ?? '4001',
  });
  run('billing', 'billing, Hono', [here('./billing-service.ts')], {
    ...service,
    PORT: env.BILLING_PORT ?? '4002',
  });
  if (spaPort !== null) {
    const [ordersUrl, billingUrl] = await Promise.all([running[1]!.url, running[2]!.url]);
    run('spa', 'example SPA', [here('../spa/server.ts')], {
      PORT: String(spaPort),
      GATEHOUSE_URL: authUrl,
      ORDERS_URL: ordersUrl,
      BILLING_URL: billingUrl,
    });
  }
  const urls = await Promise.all(running.map((entry) => entry.url));

  console.log('');
  console.log(
    `Gatehouse microservices example (revocation feed: ${env.REDIS_URL ? 'Redis Streams at REDIS_URL' : 'SSE from the auth server'})`,
  );
  for (const [index, { label, child }] of running.entries())
    console.log(`  ${label.padEnd(16)} ${urls[index]!.padEnd(24)} (pid ${child.pid})`);
  console.log(`Data: ${dataDir} (removed on exit). Walk-through: examples/microservices/README.md.`);
  console.log(`Ctrl-C stops all ${running.length === 4 ? 'four' : 'three'}.`);
} catch (error) {
  console.error(`example: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
