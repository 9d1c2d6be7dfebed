import type { FeedMessage } from '@gatehouse/core';
import type { Cluster, Redis } from 'ioredis';
import { compareStreamIds } from './stream-id.ts';
import { eventMessagesOf } from './stream-entry.ts';
import { streamInfoOfQueued } from './stream-follow.ts';

/** Where a shared tail's window starts: every event after `start` up to `last`, in `events`. */
export interface RecentEntries {
  start: string;
  last: string;
  events: FeedMessage[];
}

/**
 * The newest `count` entries of the stream, as the events a shared tail's window starts with, so
 * that followers that resume a little behind the head (a server just started: every follower of
 * the one before it) join the window instead of reading Redis each on a connection of its own.
 * In one transaction with XINFO STREAM: the window never starts before an entry XDEL removed (the
 * fence of a seed after a loss), so a cursor from before the fence still has to be refused.
 * Heartbeats are left out: one vouches for the head only once the tail has read it.
 */
export async function readRecentEntries(
  client: Redis | Cluster,
  streamKey: string,
  count: number,
  onError: (error: Error) => void,
): Promise<RecentEntries> {
  const replies = await client
    .multi()
    .call('XINFO', 'STREAM', streamKey)
    .xrevrange(streamKey, '+', '-', 'COUNT', count)
    .exec();
  if (!replies) throw new Error('redis-stream-feed: the transaction was aborted');
  const [infoReply, [rangeError, range]] = replies as [[Error | null, unknown], [Error | null, unknown]];
  const info = streamInfoOfQueued(infoReply);
  if (rangeError) throw rangeError;
  const entries = (range as Array<[string, unknown]>).reverse();
  let start = entries[0]?.[0] ?? info.lastGeneratedId;
  if (info.maxDeletedId && compareStreamIds(info.maxDeletedId, start) > 0) start = info.maxDeletedId;
  const after = entries.filter(([id]) => compareStreamIds(id, start) > 0);
  return { start, last: info.lastGeneratedId, events: eventMessagesOf(after, onError) };
}
