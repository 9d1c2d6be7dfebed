import { type Clock, createInProcessFeed, type FeedSource, type RevocationPublisher } from '@gatehouse/core';
import type { GatehouseConfig } from '../config.ts';
import { createReliablePublisher } from './reliable-publisher.ts';

/** The server's side of the revocation feed: where revocations go, and what `/revocations` serves. */
export interface RevocationFeed {
  publisher: RevocationPublisher;
  source: FeedSource;
  close(): Promise<void>;
}

/**
 * Picks the transport (docs/design.md §5): Redis Streams when `REDIS_URL` is set, so every auth server and
 * every verifier shares one durable, replayable feed; otherwise an in-process feed, which
 * verifiers in other processes reach through this server's SSE endpoint. Either way the server
 * emits the heartbeat that lets verifiers bound their staleness.
 */
export async function openRevocationFeed(
  config: Pick<GatehouseConfig, 'redisUrl'>,
  clock: Clock,
  onError: (error: Error) => void,
): Promise<RevocationFeed> {
  if (!config.redisUrl) {
    const feed = createInProcessFeed({ clock });
    return {
      publisher: feed,
      source: feed,
      close: async () => feed.close(),
    };
  }
  const [{ Redis }, { createRedisStreamFeed }] = await Promise.all([
    import('ioredis'),
    import('./redis-stream-feed.ts'),
  ]);
  const client = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  // ioredis reconnects by itself; without a listener it also prints every failed attempt to stderr.
  client.on('error', onError);
  await client.connect();
  const feed = createRedisStreamFeed({ client, clock, onError });
  // Heartbeats come from the reliable publisher, which withholds them while a revocation is pending.
  const publisher = createReliablePublisher({ inner: feed, clock, onError });
  publisher.start();
  void publisher.tick();
  return {
    publisher,
    source: feed,
    async close() {
      publisher.stop();
      feed.stop();
      client.disconnect();
    },
  };
}
