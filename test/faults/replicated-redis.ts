/**
 * A Redis primary with a replica, each a redis-server of the test's own, and what a failover test
 * does to them: cut the replication link, kill the primary, promote the replica, move the address.
 */
import {
  queryRedis,
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { startTcpProxy } from '../e2e/support/tcp-proxy.ts';
import { waitFor } from '../e2e/support/wait-for.ts';

/** A field of `INFO replication` on the redis-server at `port`. */
export async function replicationField(port: number, field: string): Promise<string | undefined> {
  const info = String(await queryRedis(port, ['INFO', 'replication']));
  return new RegExp(`^${field}:(\\S+)`, 'm').exec(info)?.[1];
}

/** Waits until the replica is linked and has everything the primary had written when asked. */
export async function replicaCaughtUp(primary: TestRedisServer, replica: TestRedisServer): Promise<void> {
  const offset = Number(await replicationField(primary.port, 'master_repl_offset'));
  await waitFor('the replica to catch up', async () => {
    if ((await replicationField(replica.port, 'master_link_status')) !== 'up') return undefined;
    return Number(await replicationField(replica.port, 'slave_repl_offset')) >= offset ? true : undefined;
  });
}

/**
 * A primary and its replica, the replica following through a proxy of its own (`link`), and the
 * address the auth servers and verifiers use (`proxy`, to the primary until `failover`).
 */
export async function startReplicatedRedis() {
  const primary = await startTestRedisServer();
  const link = await startTcpProxy(primary.port);
  const replica = await startTestRedisServer({ replicaOf: link.port });
  const proxy = await startTcpProxy(primary.port);
  return {
    primary,
    replica,
    url: `redis://127.0.0.1:${proxy.port}`,
    /** From now on the replica receives nothing (no byte through, nothing closed). */
    cutReplication: () => link.cut('blackhole'),
    /** The primary dies and the replica is promoted; the address still leads to the dead primary. */
    async failover(): Promise<void> {
      await primary.kill();
      await queryRedis(replica.port, ['REPLICAOF', 'NO', 'ONE']);
    },
    /** The address stops leading anywhere: every connection through it is closed, new ones too. */
    cutAddress: () => proxy.cut('reset'),
    /** The address leads where it did before `cutAddress`. */
    restoreAddress: () => proxy.restore(),
    /** The address leads to the replica from now on (open connections are closed). */
    moveAddress: () => proxy.retarget(replica.port),
    async stop(): Promise<void> {
      // At once: a primary told to stop waits up to 10 s for a replica it cannot reach (Redis 7).
      await primary.kill();
      await proxy.close();
      await link.close();
      await Promise.allSettled([primary.stop(), replica.stop()]);
    },
  };
}

export type ReplicatedRedis = Awaited<ReturnType<typeof startReplicatedRedis>>;
