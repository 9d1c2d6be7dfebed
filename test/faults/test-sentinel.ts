/**
 * A Redis Sentinel of the test's own (`redis-server <config> --sentinel`) watching one primary, on a
 * free loopback port: it notices the primary's death within a second and promotes a replica.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  isPortFree,
  killOnProcessExit,
  queryRedis,
  terminate,
} from '../../packages/server/src/store/redis/test-redis-server.ts';

/** The master's name as the test Sentinel knows it. */
export const SENTINEL_MASTER = 'gatehouse-primary';

export interface TestSentinel {
  readonly port: number;
  /** A command to the Sentinel (with its password). */
  query(command: [string, ...string[]]): Promise<unknown>;
  /** The address the Sentinel gives for the master now. */
  masterPort(): Promise<number>;
  stop(): Promise<void>;
}

/** With `password`, the Sentinel asks its clients for it (`requirepass`). */
export async function startTestSentinel(primaryPort: number, password?: string): Promise<TestSentinel> {
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-sentinel-'));
  let child: ChildProcess | undefined;
  const dispose = killOnProcessExit(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 30_000 + Math.floor(Math.random() * 10_000);
    if (!(await isPortFree(port))) continue;
    const config = join(directory, `sentinel-${port}.conf`);
    // One Sentinel (quorum 1): a test needs the failover, not the consensus.
    await writeFile(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${directory}`,
        `logfile ${join(directory, 'sentinel.log')}`,
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primaryPort} 1`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
        ...(password ? [`requirepass ${password}`] : []),
        '',
      ].join('\n'),
    );
    child = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
    const masterPort = async () => {
      const reply = (await queryRedis(
        port,
        ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER],
        password,
      )) as string[];
      return Number(reply[1]);
    };
    for (let wait = 0; wait < 50 && child.exitCode === null; wait++) {
      if ((await masterPort().catch(() => 0)) === primaryPort) {
        const started = child;
        return {
          port,
          query: (command) => queryRedis(port, command, password),
          masterPort,
          async stop() {
            await terminate(started, 'SIGKILL');
            dispose();
            await rm(directory, { recursive: true, force: true });
          },
        };
      }
      await sleep(100);
    }
    await terminate(child, 'SIGKILL');
  }
  dispose();
  await rm(directory, { recursive: true, force: true });
  throw new Error('could not start a redis sentinel');
}
