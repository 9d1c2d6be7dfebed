import { Redis } from 'ioredis';

/** What a Redis server keeps across a restart; `unknown` when it will not say (CONFIG disabled). */
export type RedisPersistence = 'aof+rdb' | 'aof' | 'rdb' | 'none' | 'unknown';

/**
 * Asks a Redis server whether it persists anything (AOF, RDB snapshots). With the Redis store and
 * neither, a restart loses every user, session and signing key, and the revocation feed with them:
 * the server warns at start-up and says so in `/readyz`.
 */
export async function readRedisPersistence(url: string): Promise<RedisPersistence> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const [, appendonly] = (await client.config('GET', 'appendonly')) as [string, string];
    const [, save] = (await client.config('GET', 'save')) as [string, string];
    const aof = appendonly === 'yes';
    const rdb = typeof save === 'string' && save.trim() !== '';
    return aof && rdb ? 'aof+rdb' : aof ? 'aof' : rdb ? 'rdb' : 'none';
  } catch {
    return 'unknown';
  } finally {
    client.disconnect();
  }
}
