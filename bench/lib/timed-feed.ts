import type { FeedSource } from '@gatehouse/core';
import { wallClockMs } from './timing.ts';

/**
 * Wraps a feed source to note when each session event reaches this process, before the verifier
 * applies it: the transport's share of the revocation delay, apart from request timing.
 */
export function createTimedFeed(feed: FeedSource, arrivals: Map<string, number>): FeedSource {
  return {
    snapshot: () => feed.snapshot(),
    follow: (cursor, onMessage, signal) =>
      feed.follow(
        cursor,
        (message) => {
          if (
            message.kind === 'event' &&
            message.event.type === 'session' &&
            !arrivals.has(message.event.sid)
          ) {
            arrivals.set(message.event.sid, wallClockMs());
          }
          onMessage(message);
        },
        signal,
      ),
  };
}
