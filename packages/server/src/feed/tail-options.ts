import type { InProcessFeed } from '@gatehouse/core';
import { inProcessCursors } from './in-process-cursor.ts';
import type { RedisStreamFeed } from './redis-stream-feed.ts';
import type { SharedTailOptions } from './shared-tail.ts';
import { compareStreamIds, isStreamId } from './stream-id.ts';

/** What a shared tail asks of its feed, besides the feed itself. */
type FeedReads = Pick<SharedTailOptions, 'isCursor' | 'compare' | 'head'>;

/** What a shared tail needs to know of an in-process feed, besides the feed itself. */
export function inProcessTailOptions(feed: InProcessFeed): FeedReads {
  return {
    ...inProcessCursors(feed.head),
    head: async () => feed.head,
  };
}

/** What a shared tail needs to know of a Redis Streams feed, besides the feed itself. */
export function redisTailOptions(feed: RedisStreamFeed): FeedReads & Pick<SharedTailOptions, 'recent'> {
  return {
    compare: compareStreamIds,
    isCursor: isStreamId,
    head: () => feed.head(),
    recent: (count) => feed.recent(count),
  };
}
