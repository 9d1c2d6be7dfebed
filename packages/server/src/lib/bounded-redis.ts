import type { Redis } from 'ioredis';

/**
 * Connects to Redis with bounded waits: a dead or partitioned Redis fails a command within seconds
 * instead of queueing it behind a reconnect, and never hangs a request. Callers fall back on their
 * own terms meanwhile (the reliable publisher retries; throttles count in memory). ioredis
 * reconnects by itself; `onError` hears each failure (without a listener it prints every failed
 * attempt to stderr). ioredis is loaded only when Redis is configured.
 */
export async function connectBoundedRedis(url: string, onError: (error: Error) => void): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  client.on('error', onError);
  await client.connect();
  return client;
}
