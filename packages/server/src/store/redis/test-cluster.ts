import { type ChildProcess, execFile, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import {
  isPortFree,
  killOnProcessExit,
  queryRedis,
  startRedisProcess,
  TEST_REDIS_HOST as HOST,
  terminate,
  waitForReplicaLink,
} from './test-redis-server.ts';

/** Redis Cluster talks node-to-node on the client port + 10000: both must be free. */
const BUS_PORT_OFFSET = 10_000;
const CREATE_MS = 30_000;
const CLUSTER_OK_MS = 20_000;

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
  /** Kills the node on `port` at once (SIGKILL): with replicas, one of its replicas takes over. */
  kill(port: number): Promise<void>;
  /** Kills every node and removes the working directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  /** Replicas per master (default 0), each promoted within about a second of its master's death. */
  replicas?: number;
}

/**
 * Starts a throw-away Redis Cluster of `size` masters on random loopback ports, with nothing on
 * disk but its node configs (in a temporary directory). Every wait is bounded; a failure stops what
 * was started. The processes are also killed if the test process exits or is signalled (say, by
 * the runner's timeout) without calling `stop`.
 */
export async function startTestCluster(size = 3, options: TestClusterOptions = {}): Promise<TestCluster> {
  const replicas = options.replicas ?? 0;
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-cluster-'));
  const processes: ChildProcess[] = [];
  const dispose = killOnProcessExit(() => {
    for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(processes.map((child) => terminate(child)));
    dispose();
    await rm(directory, { recursive: true, force: true });
  };

  try {
    const ports: number[] = [];
    const byPort = new Map<number, ChildProcess>();
    for (let index = 0; index < size * (1 + replicas); index++) {
      const { port, child } = await startRedisProcess({
        args: (port) => [
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(directory, `nodes-${port}.conf`)],
          // A dead master is noticed, and a replica promoted, within about a second.
          ...(replicas > 0 ? ['--cluster-node-timeout', '1000'] : []),
          // However long its link was down, a replica may take over (the test decides what it lost).
          ...(replicas > 0 ? ['--cluster-replica-validity-factor', '0'] : []),
          ...['--save', '', '--appendonly', 'no', '--dir', directory],
          ...['--logfile', join(directory, `redis-${port}.log`)],
        ],
        portIsUsable: async (port) => !ports.includes(port) && (await isPortFree(port + BUS_PORT_OFFSET)),
        onSpawn: (child) => processes.push(child),
      });
      ports.push(port);
      byPort.set(port, child);
    }
    const addresses = ports.map((port) => `${HOST}:${port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicas), '--cluster-yes'],
      {
        timeout: CREATE_MS,
      },
    );
    await Promise.all(ports.map((port) => waitForClusterOk(port)));
    // Replicas sync after the cluster is formed: one that never did cannot take over.
    await Promise.all(ports.map((port) => waitForReplicaLink(port, CLUSTER_OK_MS)));
    const kill = async (port: number) => {
      const child = byPort.get(port);
      if (child) await terminate(child, 'SIGKILL');
    };
    return { nodes: ports.map((port) => ({ host: HOST, port })), kill, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForClusterOk(port: number): Promise<void> {
  const deadline = Date.now() + CLUSTER_OK_MS;
  while (Date.now() < deadline) {
    const info = await queryRedis(port, ['CLUSTER', 'INFO']).catch(() => '');
    if (String(info).includes('cluster_state:ok')) return;
    await sleep(100);
  }
  throw new Error(`cluster node ${port} did not reach cluster_state:ok within ${CLUSTER_OK_MS} ms`);
}
