import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/**
 * Throw-away redis-server processes for tests (the single node here, the cluster in
 * test-cluster.ts): random loopback ports, nothing on disk that outlives the test, every wait
 * bounded, and every process killed even when the test process dies without cleaning up.
 */

export const TEST_REDIS_HOST = '127.0.0.1';
const PORT_ATTEMPTS = 20;
const NODE_START_MS = 5_000;
const STOP_MS = 3_000;
const EXIT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Calls `kill` (synchronously) when the process exits or is signalled (say, by the runner's
 * timeout) before `dispose` was called. Returns `dispose`.
 */
export function killOnProcessExit(kill: () => void): () => void {
  // A signal's default action skips 'exit' listeners, so kill first, then die of the signal.
  const onSignal = (signal: NodeJS.Signals) => {
    kill();
    dispose();
    process.kill(process.pid, signal);
  };
  const dispose = () => {
    process.removeListener('exit', kill);
    for (const signal of EXIT_SIGNALS) process.removeListener(signal, onSignal);
  };
  process.once('exit', kill);
  for (const signal of EXIT_SIGNALS) process.once(signal, onSignal);
  return dispose;
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, TEST_REDIS_HOST, () => server.close(() => resolve(true)));
  });
}

export interface StartRedisProcessOptions {
  /** The server's options beyond port and bind. */
  args: (port: number) => string[];
  /** May reject a free port for reasons of its own (a cluster node also needs port + 10000). */
  portIsUsable?: (port: number) => Promise<boolean>;
  /** Told about every process spawned, before it answers, so an exit hook can kill it. */
  onSpawn?: (child: ChildProcess) => void;
}

/** Starts one redis-server on a free random port, retrying on a collision (another process took it first). */
export async function startRedisProcess(
  options: StartRedisProcessOptions,
): Promise<{ port: number; child: ChildProcess }> {
  const { args, portIsUsable = async () => true, onSpawn = () => {} } = options;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = 30_000 + Math.floor(Math.random() * 10_000);
    if (!(await isPortFree(port)) || !(await portIsUsable(port))) continue;
    const child = spawnRedisServer(port, args(port));
    onSpawn(child);
    if (await answersPing(port, child)) return { port, child };
    await terminate(child);
  }
  throw new Error(`could not start redis-server on a free port after ${PORT_ATTEMPTS} attempts`);
}

function spawnRedisServer(port: number, args: string[]): ChildProcess {
  return spawn(
    'redis-server',
    ['--port', String(port), '--bind', TEST_REDIS_HOST, '--daemonize', 'no', ...args],
    { stdio: 'ignore' },
  );
}

/** True once the node answers PING; false if it exits first (port taken) or does not start in time. */
async function answersPing(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + NODE_START_MS;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    if ((await queryRedis(port, ['PING']).catch(() => null)) === 'PONG') return true;
    await sleep(50);
  }
  return false;
}

/** One command on a short-lived, non-retrying connection, so a dead node fails fast. */
export async function queryRedis(
  port: number,
  command: [string, ...string[]],
  password?: string,
): Promise<unknown> {
  const connection = new Redis({
    host: TEST_REDIS_HOST,
    port,
    ...(password ? { password } : {}),
    lazyConnect: true,
    connectTimeout: 1_000,
    commandTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  connection.on('error', () => {});
  try {
    await connection.connect();
    return await connection.call(...command);
  } finally {
    connection.disconnect();
  }
}

/**
 * Resolves once the redis-server at `port` is a master, or a replica whose link to its master is
 * up (one that never synced cannot take over); rejects after `timeoutMs`.
 */
export async function waitForReplicaLink(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = String(await queryRedis(port, ['INFO', 'replication']).catch(() => ''));
    if (info.includes('role:master') || info.includes('master_link_status:up')) return;
    await sleep(100);
  }
  throw new Error(`redis-server ${port} did not link to its master within ${timeoutMs} ms`);
}

/** How many times Redis ran `command` (lower case, e.g. `xread`, `xinfo|stream`), scripts' calls included. */
export async function redisCommandCalls(client: Redis, command: string): Promise<number> {
  const info = await client.info('commandstats');
  const line = info.split('\r\n').find((entry) => entry.startsWith(`cmdstat_${command}:`));
  return Number(line?.match(/calls=(\d+)/)?.[1] ?? 0);
}

/** SIGTERM, then SIGKILL if the process has not exited within 3 s. Resolves once it has exited. */
export async function terminate(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  // Cleared once the process has exited: a pending timer would keep the test process alive.
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_MS);
  await exited;
  clearTimeout(timer);
}

export interface TestRedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Kills the server at once (SIGKILL): no shutdown save, clients see the connection drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty (nothing persists). Resolves once it answers PING. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface TestRedisServerOptions {
  /** Starts it as a replica of the redis-server at this loopback port (`--replicaof`). */
  replicaOf?: number;
}

/**
 * A redis-server of the test's own on a random loopback port, without persistence, so a test can
 * kill and restart it (the shared instance on 6379 stays untouched).
 *
 * @example
 * const redis = await startTestRedisServer();
 * after(() => redis.stop());
 */
export async function startTestRedisServer(options: TestRedisServerOptions = {}): Promise<TestRedisServer> {
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-redis-'));
  const args = (port: number) => [
    ...['--save', '', '--appendonly', 'no', '--dir', directory],
    ...['--logfile', join(directory, `redis-${port}.log`)],
    // A replica that attaches is synced at once, not after Redis's default 5 s wait for others.
    ...['--repl-diskless-sync-delay', '0'],
    ...(options.replicaOf === undefined ? [] : ['--replicaof', TEST_REDIS_HOST, String(options.replicaOf)]),
  ];
  let child: ChildProcess | undefined;
  const dispose = killOnProcessExit(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });
  let port: number;
  try {
    ({ port } = await startRedisProcess({ args, onSpawn: (spawned) => (child = spawned) }));
  } catch (error) {
    dispose();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  let stopped = false;
  return {
    port,
    url: `redis://${TEST_REDIS_HOST}:${port}`,
    async kill() {
      if (child) await terminate(child, 'SIGKILL');
    },
    async restart() {
      if (stopped) throw new Error('the test redis-server was stopped');
      if (child) await terminate(child, 'SIGKILL');
      child = spawnRedisServer(port, args(port));
      if (!(await answersPing(port, child)))
        throw new Error(`redis-server did not restart on port ${port} within ${NODE_START_MS} ms`);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child) await terminate(child);
      dispose();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
