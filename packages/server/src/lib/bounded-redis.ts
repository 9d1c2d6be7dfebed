import type { Cluster, Redis, RedisOptions } from 'ioredis';

/** A Redis node or Sentinel: `host:port`. */
export interface RedisAddress {
  host: string;
  port: number;
}

/**
 * Where the server's Redis is: one node; a Redis Cluster reached through one of its nodes; or the
 * master that Redis Sentinels name (`url`'s host is then the master's name).
 */
export interface RedisTarget {
  url: string;
  cluster: boolean;
  /** With `cluster`: more nodes to start from besides `url`'s. */
  clusterNodes?: readonly RedisAddress[] | null;
  sentinels?: readonly RedisAddress[] | null;
  /** The Sentinels' own password, when they ask for one. */
  sentinelPassword?: string | null;
}

/** The configured Redis (`REDIS_URL`, `GATEHOUSE_REDIS_CLUSTER`, `GATEHOUSE_REDIS_SENTINELS`), or null. */
export function redisTargetOf(config: {
  redisUrl: string | null;
  redisCluster?: boolean;
  redisClusterNodes?: readonly RedisAddress[] | null;
  redisSentinels?: readonly RedisAddress[] | null;
  redisSentinelPassword?: string | null;
}): RedisTarget | null {
  if (!config.redisUrl) return null;
  return {
    url: config.redisUrl,
    cluster: config.redisCluster ?? false,
    ...(config.redisCluster && config.redisClusterNodes ? { clusterNodes: config.redisClusterNodes } : {}),
    ...(config.redisSentinels ? { sentinels: config.redisSentinels } : {}),
    ...(config.redisSentinelPassword ? { sentinelPassword: config.redisSentinelPassword } : {}),
  };
}

export interface RedisBounds {
  connectTimeout: number;
  commandTimeout: number;
}

const DEFAULT_BOUNDS: RedisBounds = { connectTimeout: 2_000, commandTimeout: 2_000 };

/**
 * A client for `target`, not yet connected, that never queues a command behind a reconnect: a dead
 * or partitioned Redis fails it within the bounds. On a cluster, `url` names one node (its user,
 * password and `rediss:` apply to every node), and `clusterNodes` any more to start from; the
 * client finds the others and sends each key to the node holding its slot. ioredis is loaded only
 * when Redis is configured.
 */
export async function createBoundedRedis(
  target: RedisTarget,
  bounds: RedisBounds = DEFAULT_BOUNDS,
): Promise<Redis | Cluster> {
  const ioredis = await import('ioredis');
  const perNode = { ...bounds, maxRetriesPerRequest: 1 };
  if (target.sentinels) {
    const options = sentinelOptions(target.url, target.sentinels, perNode);
    return new ioredis.Redis(
      target.sentinelPassword ? { ...options, sentinelPassword: target.sentinelPassword } : options,
    );
  }
  if (!target.cluster) {
    return new ioredis.Redis(target.url, { ...perNode, lazyConnect: true, enableOfflineQueue: false });
  }
  const url = new URL(target.url);
  const seed = { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 6379) };
  return new ioredis.Cluster([seed, ...(target.clusterNodes ?? [])], {
    lazyConnect: true,
    enableOfflineQueue: false,
    redisOptions: { ...perNode, ...credentialsOf(url) },
  });
}

/** `url`'s user, password and `rediss:`, for every node a cluster or Sentinels lead to. */
function credentialsOf(url: URL): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * The master the Sentinels name `url`'s host, with `url`'s user, password, database and TLS; the
 * client asks them again after its connection drops, so it follows a failover. (Not ioredis's
 * `failoverDetector` as well: on a loaded machine, with it, a Redis store's client sometimes stayed
 * disconnected after the promotion, answering 503 for good; without it, 5 of 5 runs recovered.)
 */
function sentinelOptions(
  text: string,
  sentinels: readonly RedisAddress[],
  perNode: RedisBounds & { maxRetriesPerRequest: number },
): RedisOptions {
  const url = new URL(text);
  const db = Number(url.pathname.slice(1) || 0);
  return {
    ...perNode,
    sentinels: sentinels.map(({ host, port }) => ({ host, port })),
    name: decodeURIComponent(url.hostname),
    ...credentialsOf(url),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
  };
}

/**
 * Connects to Redis with bounded waits (see `createBoundedRedis`). Callers fall back on their own
 * terms meanwhile (the reliable publisher retries; throttles count in memory). ioredis reconnects
 * by itself; `onError` hears each failure (without a listener it prints every failed attempt).
 */
export async function connectBoundedRedis(
  target: RedisTarget,
  onError: (error: Error) => void,
): Promise<Redis | Cluster> {
  const client = await createBoundedRedis(target);
  client.on('error', onError);
  await connectWithin(client);
  return client;
}

/** How long a first connection may take: Sentinels that refuse are retried for ever otherwise. */
const FIRST_CONNECT_MS = 10_000;

/**
 * Connects `client`, or disconnects it and rejects with the last error it reported when it is not
 * connected within `ms`: a client behind Sentinels keeps asking them (a wrong password, none
 * reachable) without ever failing its `connect()`, and a server would wait for ever to start.
 */
export async function connectWithin(client: Redis | Cluster, ms = FIRST_CONNECT_MS): Promise<void> {
  let last: Error | undefined;
  const remember = (error: Error) => {
    last = error;
  };
  client.on('error', remember);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          client.disconnect();
          reject(new Error(`redis: not connected within ${ms} ms${last ? `: ${last.message}` : ''}`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    client.off('error', remember);
  }
}
