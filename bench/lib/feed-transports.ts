import { createSseFeedSource, type FeedSource, systemClock } from '@gatehouse/core';
import { Redis } from 'ioredis';

/** How a verifier process reaches the revocation feed; plain data, so it crosses the process boundary. */
export type FeedTransport =
  | { kind: 'redis'; redisUrl: string; streamKey: string }
  | { kind: 'sse'; baseUrl: string };

export interface OpenedFeed {
  feed: FeedSource;
  close(): Promise<void>;
}

// The Redis Streams feed lives in the server package, which does not export it (yet); imported
// on demand so that a feed being rewritten fails only the cases that use it.
export const redisFeedModule = () => import('../../packages/server/src/feed/index.ts');

/** The consumer side of a transport, as a verifier process opens it. */
export async function openFeedSource(transport: FeedTransport): Promise<OpenedFeed> {
  if (transport.kind === 'sse') {
    return { feed: createSseFeedSource({ baseUrl: transport.baseUrl }), close: async () => {} };
  }
  const { createRedisStreamFeed } = await redisFeedModule();
  const client = new Redis(transport.redisUrl);
  const feed = createRedisStreamFeed({ client, clock: systemClock, streamKey: transport.streamKey });
  return {
    feed,
    async close() {
      feed.stop();
      client.disconnect();
    },
  };
}
