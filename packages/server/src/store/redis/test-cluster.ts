import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const HOST = '127.0.0.1';
/** Redis Cluster talks node-to-node on the client port + 10000: both must be free. */
const BUS_PORT_OFFSET = 10_000;
const PORT_ATTEMPTS = 20;
const NODE_START_MS = 5_000;
const CREATE_MS = 30_000;
const CLUSTER_OK_MS = 20_000;
const STOP_MS = 3_000;
const EXIT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const run = promisify(execFile);

/** Why the cluster tests cannot run here, or null when they can. */
export function clusterUnavailableReason(): string | null {
  for (const binary of ['redis-server', 'redis-cli']) {
    if (spawnSync(binary, ['--version'], { stdio: 'ignore', timeout: 5_000 }).error) {
      return `${binary} is not on PATH`;
    }
  }
  return null;
}

export interface TestCluster {
  readonly nodes: Array<{ host: string; port: number }>;
  /** Kills every node and removes the working directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a throw-away Redis Cluster of `size` masters on random loopback ports, with nothing on
 * disk but its node configs (in a temporary directory). Every wait is bounded; a failure stops what
 * was started. The processes are also killed if the test process exits or is signalled (say, by
 * the runner's timeout) without calling `stop`.
 */
export async function startTestCluster(size = 3): Promise<TestCluster> {
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-cluster-'));
  const processes: ChildProcess[] = [];
  const killAll = () => {
    for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  };
  // A signal's default action skips 'exit' listeners, so kill the nodes first, then die of it.
  const onSignal = (signal: NodeJS.Signals) => {
    killAll();
    removeListeners();
    process.kill(process.pid, signal);
  };
  const removeListeners = () => {
    process.removeListener('exit', killAll);
    for (const signal of EXIT_SIGNALS) process.removeListener(signal, onSignal);
  };
  process.once('exit', killAll);
  for (const signal of EXIT_SIGNALS) process.once(signal, onSignal);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(processes.map((child) => terminate(child)));
    removeListeners();
    await rm(directory, { recursive: true, force: true });
  };

  try {
    const ports: number[] = [];
    for (let index = 0; index < size; index++) {
      const { port, child } = await startNode(directory, ports);
      processes.push(child);
      ports.push(port);
    }
    const addresses = ports.map((port) => `${HOST}:${port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      {
        timeout: CREATE_MS,
      },
    );
    await Promise.all(ports.map((port) => waitForClusterOk(port)));
    return { nodes: ports.map((port) => ({ host: HOST, port })), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts one node on a free random port, retrying on a collision (another process took it first). */
async function startNode(directory: string, taken: number[]): Promise<{ port: number; child: ChildProcess }> {
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = 30_000 + Math.floor(Math.random() * 10_000);
    if (taken.includes(port) || !(await isPortFree(port)) || !(await isPortFree(port + BUS_PORT_OFFSET)))
      continue;
    const child = spawn(
      'redis-server',
      [
        ...['--port', String(port), '--bind', HOST, '--daemonize', 'no'],
        ...['--cluster-enabled', 'yes', '--cluster-config-file', join(directory, `nodes-${port}.conf`)],
        ...['--save', '', '--appendonly', 'no', '--dir', directory],
        ...['--logfile', join(directory, `redis-${port}.log`)],
      ],
      { stdio: 'ignore' },
    );
    if (await answersPing(port, child)) return { port, child };
    await terminate(child);
  }
  throw new Error(`could not start redis-server on a free port after ${PORT_ATTEMPTS} attempts`);
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** True once the node answers PING; false if it exits first (port taken) or does not start in time. */
async function answersPing(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + NODE_START_MS;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    if ((await query(port, ['PING']).catch(() => null)) === 'PONG') return true;
    await sleep(50);
  }
  return false;
}

async function waitForClusterOk(port: number): Promise<void> {
  const deadline = Date.now() + CLUSTER_OK_MS;
  while (Date.now() < deadline) {
    const info = await query(port, ['CLUSTER', 'INFO']).catch(() => '');
    if (String(info).includes('cluster_state:ok')) return;
    await sleep(100);
  }
  throw new Error(`cluster node ${port} did not reach cluster_state:ok within ${CLUSTER_OK_MS} ms`);
}

/** One command on a short-lived, non-retrying connection, so a dead node fails fast. */
async function query(port: number, command: [string, ...string[]]): Promise<unknown> {
  const connection = new Redis({
    host: HOST,
    port,
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

/** SIGTERM, then SIGKILL if the node has not exited within STOP_MS. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = sleep(STOP_MS).then(() => 'timeout' as const);
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}
