import { Cluster, type Redis } from 'ioredis';
import { connectWithin, createBoundedRedis, type RedisTarget } from '../../lib/bounded-redis.ts';

/** What a Redis server keeps across a restart; `unknown` when it will not say (CONFIG disabled). */
export type RedisPersistence = 'aof+rdb' | 'aof' | 'rdb' | 'none' | 'unknown';

/** A Redis store's Redis, read at start-up and then watched (durability-watch.ts): said in the log and in `/readyz`. */
export interface RedisDurability {
  persistence: RedisPersistence;
  /** Replicas connected to it (`INFO replication`); null when it will not say. */
  replicas: number | null;
}

/**
 * Asks the Redis server (on a cluster, every master) whether it persists anything (AOF, RDB
 * snapshots) and how many replicas follow it; a cluster answers for its weakest master. With the
 * Redis store and no persistence, a restart loses every user, session and signing key; with
 * replicas whose confirmation the store does not wait for, a failover can undo a revocation
 * already answered.
 */
export async function readRedisDurability(target: RedisTarget): Promise<RedisDurability> {
  return readOrThrow(target).catch((): RedisDurability => ({ persistence: 'unknown', replicas: null }));
}

/** `readRedisDurability`, rejecting when Redis cannot be reached. */
export async function readOrThrow(target: RedisTarget): Promise<RedisDurability> {
  const client = await createBoundedRedis(target);
  client.on('error', () => {});
  try {
    await connectWithin(client);
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    const read = await Promise.all(nodes.map(readNode));
    return {
      persistence: read.map((node) => node.persistence).reduce(weaker),
      replicas: read.some((node) => node.replicas === null)
        ? null
        : Math.min(...read.map((node) => node.replicas as number)),
    };
  } finally {
    client.disconnect();
  }
}

async function readNode(node: Redis): Promise<RedisDurability> {
  const [persistence, replicas] = await Promise.all([
    readPersistence(node).catch((): RedisPersistence => 'unknown'),
    node
      .info('replication')
      .then((info) => {
        const match = /^connected_slaves:(\d+)\r?$/m.exec(info);
        return match ? Number(match[1]) : null;
      })
      .catch(() => null),
  ]);
  return { persistence, replicas };
}

const STRENGTH: Record<RedisPersistence, number> = { none: 0, unknown: 1, rdb: 2, aof: 3, 'aof+rdb': 4 };
const weaker = (a: RedisPersistence, b: RedisPersistence) => (STRENGTH[b] < STRENGTH[a] ? b : a);

async function readPersistence(client: Redis): Promise<RedisPersistence> {
  const [, appendonly] = (await client.config('GET', 'appendonly')) as [string, string];
  const [, save] = (await client.config('GET', 'save')) as [string, string];
  const aof = appendonly === 'yes';
  const rdb = typeof save === 'string' && save.trim() !== '';
  return aof && rdb ? 'aof+rdb' : aof ? 'aof' : rdb ? 'rdb' : 'none';
}

/** What the server warns of, at start-up and in `/readyz`, about a Redis store's Redis. */
export function durabilityWarnings(durability: RedisDurability, waitReplicas: number): string[] {
  const { persistence, replicas } = durability;
  const warnings: string[] = [];
  if (persistence === 'none')
    warnings.push(
      'GATEHOUSE_STORE=redis on a Redis with neither AOF nor RDB: a Redis restart loses every account, session, signing key and revocation (everyone is signed out). Enable appendonly, or use PostgreSQL with Redis for the feed only.',
    );
  if (replicas !== null && replicas > 0 && waitReplicas === 0)
    warnings.push(
      `GATEHOUSE_STORE=redis on a Redis with ${replicas} replica(s), and GATEHOUSE_REDIS_WAIT_REPLICAS is 0: replication is asynchronous, so a failover can undo a sign-out or any other revocation already answered (the session works again). Set GATEHOUSE_REDIS_WAIT_REPLICAS (docs/stores.md).`,
    );
  if (replicas !== null && waitReplicas > replicas)
    warnings.push(
      `GATEHOUSE_REDIS_WAIT_REPLICAS is ${waitReplicas} but Redis has ${replicas} replica(s) connected: every revocation (sign-out, refresh, password change) answers 503 until ${waitReplicas} follow it.`,
    );
  return warnings;
}
