import { randomBytes } from 'node:crypto';
import { feedLua } from './feed-lua.ts';
import {
  type Clock,
  type FeedSnapshot,
  type FeedSource,
  parseRevocationEvent,
  type RevocationEvent,
  type RevocationPublisher,
} from '@gatehouse/core';
import type { Cluster, Redis } from 'ioredis';
import { feedKeysFor } from './live-set-key.ts';
import { eventMessagesOf, parseEventJson } from './stream-entry.ts';
import { isStreamId } from './stream-id.ts';
import {
  canResumeStream,
  followStream,
  isResumable,
  readStreamInfo,
  streamInfoOfQueued,
} from './stream-follow.ts';
import { type RecentEntries, readRecentEntries } from './stream-recent.ts';
import { createStreamWriter, type ReseedReason } from './stream-writer.ts';

export interface RedisStreamFeedOptions {
  /** Publishing and snapshots use this connection; each `follow` opens its own (`duplicate()`). */
  client: Redis | Cluster;
  /** Default `gatehouse:revocations`. The live set sits beside it at `{<streamKey>}:live`. */
  streamKey?: string;
  clock: Clock;
  /** How often `startHeartbeat` appends a heartbeat. Default 1000. */
  heartbeatMs?: number;
  /** The stream is trimmed to about this many entries (events and heartbeats). Default 100 000. */
  maxLen?: number;
  /**
   * Snapshots keep an event this long past its `until`, as a verifier's revocation set does (its
   * leeway): dropping it at `until` would re-admit a revoked token for that long. Default 60 000.
   */
  retainAfterUntilMs?: number;
  /** How long one XREAD blocks; silence longer than this plus a margin counts as a dead connection. Default 5000. */
  blockMs?: number;
  /** Told what the feed skips or fails at in the background: malformed entries, failed heartbeats. */
  onError?: (error: Error) => void;
  /**
   * The durable store's live revocations (docs/design.md §5). When the feed finds that Redis lost data (no
   * epoch key: restarted empty; a stream behind what this process wrote: restored from an older
   * snapshot; or a replication id other than the epoch's: a replica promoted since, which may have
   * missed the newest writes), it writes them all again before its next heartbeat; and when this process first
   * adopts an epoch already there, it appends them again (harmless duplicates) before its first
   * heartbeat, for events a server that died had pending only in memory. Omitted: nothing to replay, and
   * the feed is only as durable as Redis's own persistence.
   */
  seed?: () => Promise<RevocationEvent[]>;
  /** Told each time the feed seeds Redis again, and why. */
  onReseed?: (info: { reason: ReseedReason; events: number }) => void;
  /** Random source for epochs; tests may pin it. */
  newEpoch?: () => string;
}

export interface RedisStreamFeed extends RevocationPublisher, FeedSource {
  /**
   * Appends one heartbeat now, unless Redis lost data since this process last looked: then it
   * first seeds the live set and the stream again (see `seed`), and only then heartbeats.
   */
  heartbeat(): Promise<void>;
  /** The newest id the stream ever generated ('0-0' for none): where "from now" begins. */
  head(): Promise<string>;
  /** Whether `follow` could resume from `cursor` now (nothing after it trimmed, deleted or lost). */
  canResume(cursor: string): Promise<boolean>;
  /** The newest `count` events, to start a shared tail's window with (`stream-recent.ts`). */
  recent(count: number): Promise<RecentEntries>;
  /**
   * The events after `cursor` and the head (with `complete: false` as a snapshot says it), as
   * `follow` would deliver them; null when it could not resume from there, or they are more than
   * `limit` entries.
   */
  changesSince(cursor: string, limit: number): Promise<FeedSnapshot | null>;
  /** The epoch this process seeded or adopted; null before the first heartbeat. */
  readonly epoch: string | null;
  /** Appends a heartbeat every `heartbeatMs` until `stop`; the auth server runs this. */
  startHeartbeat(): void;
  stop(): void;
}

const SNAPSHOT_COMMAND = 'gatehouse_feedSnapshot';

type FeedKeys = [stream: string, live: string, epoch: string, replid: string];

/** A transaction of ioredis, with the feed's script on it. */
type Transaction = Record<string, (...args: string[]) => unknown> & {
  exec(): Promise<Array<[Error | null, unknown]> | null>;
};

type Reply = [Error | null, unknown];

/**
 * The head and whether the live set is complete (`lua/snapshot.lua`), and the replies of the reads
 * `read` queues after it, in one transaction: nothing lands between them, so what the reads find
 * is at or before the head. The reads are the transaction's, not the script's: handed through Lua,
 * 20,000 members of the live set cost Redis about 10 ms of its one thread, against 2 ms read directly.
 */
async function readAtHead(
  client: Redis | Cluster,
  keys: FeedKeys,
  read: (transaction: Transaction) => void,
): Promise<[head: string, complete: number, reads: Reply[]]> {
  const transaction = client.multi() as unknown as Transaction;
  transaction[SNAPSHOT_COMMAND]!(...keys);
  read(transaction);
  const replies = await transaction.exec();
  if (!replies) throw new Error('redis-stream-feed: the snapshot transaction was aborted');
  const [head, complete] = replyValue(replies[0]!) as [string, number];
  return [head, complete, replies.slice(1)];
}

function replyValue([error, value]: Reply): unknown {
  if (error) throw error;
  return value;
}

/**
 * The events after `cursor` up to the head, in order, or null when there are more than `limit`
 * entries after it or the stream can no longer replay everything after it, in one round trip: the
 * XINFO STREAM that tells the latter is in the same transaction as the read, so nothing is trimmed
 * or deleted between the two. A malformed entry is skipped (`onError`), as `follow` skips it.
 */
async function readChanges(
  client: Redis | Cluster,
  keys: FeedKeys,
  cursor: string,
  limit: number,
  onError: (error: Error) => void,
): Promise<FeedSnapshot | null> {
  const [head, complete, [range, info]] = await readAtHead(client, keys, (transaction) => {
    transaction.xrange!(keys[0], `(${cursor}`, '+', 'COUNT', String(limit + 1));
    transaction.call!('XINFO', 'STREAM', keys[0]);
  });
  const entries = replyValue(range!) as Array<[string, unknown]>;
  if (entries.length > limit || !isResumable(streamInfoOfQueued(info!), cursor)) return null;
  const events = eventMessagesOf(entries, onError).map((message) => message.event);
  return complete === 1 ? { events, cursor: head } : { events, cursor: head, complete: false };
}
const SNAPSHOT_LUA = feedLua('snapshot.lua');

/**
 * The revocation feed over Redis Streams (docs/design.md §5): durable and replayable from a cursor (the
 * stream id), unlike pub/sub, which drops whatever a subscriber misses while reconnecting.
 * `publish` appends each event to the stream and records it in a sorted set of live revocations
 * (scored by `until`) in one transaction; `snapshot` reads that set and the stream head in one
 * script; `follow` reads the stream from a cursor on a dedicated connection.
 *
 * @example
 * const feed = createRedisStreamFeed({ client: redis, clock: systemClock });
 * feed.startHeartbeat();                                 // auth server
 * const auth = createAuth({ store, revocations: feed });
 * const verifier = createVerifier({ issuer, audience, algorithms: ['ES256'], jwksUrl, feed }); // services
 */
export function createRedisStreamFeed(options: RedisStreamFeedOptions): RedisStreamFeed {
  const settings = resolveOptions(options);
  const { client, clock, streamKey, heartbeatMs, retainAfterUntilMs, onError } = settings;
  const { live: liveKey, epoch: epochKey, replid: replidKey } = feedKeysFor(streamKey);
  const keys: FeedKeys = [streamKey, liveKey, epochKey, replidKey];
  client.defineCommand(SNAPSHOT_COMMAND, { lua: SNAPSHOT_LUA, numberOfKeys: 4 });
  const writer = createStreamWriter({ ...settings, liveKey, epochKey, replidKey });
  let timer: ReturnType<typeof setInterval> | undefined;

  return {
    async publish(events) {
      if (events.length === 0) return;
      const checked = events.map((event) => {
        const valid = parseRevocationEvent(event);
        if (!valid) throw new TypeError('publish: not a revocation event');
        return valid;
      });
      await writer.append(checked);
    },

    async snapshot() {
      const cutoff = String(clock.now() - retainAfterUntilMs);
      const [cursor, complete, [range]] = await readAtHead(client, keys, (transaction) =>
        transaction.zrangebyscore!(liveKey, cutoff, '+inf'),
      );
      const members = replyValue(range!) as string[];
      const events: RevocationEvent[] = [];
      for (const member of members) {
        const event = parseEventJson(member);
        if (event) events.push(event);
        else onError(new Error('redis-stream-feed: skipped a malformed member of the live set'));
      }
      return complete === 1 ? { events, cursor } : { events, cursor, complete: false };
    },

    follow: (cursor, onMessage, signal) => followStream(settings, cursor, onMessage, signal),

    canResume: (cursor) => canResumeStream(client, streamKey, cursor),

    recent: (count) => readRecentEntries(client, streamKey, count, onError),

    changesSince: async (cursor, limit) =>
      isStreamId(cursor) ? readChanges(client, keys, cursor, limit, onError) : null,

    head: async () => (await readStreamInfo(client, streamKey)).lastGeneratedId,

    heartbeat: () => writer.heartbeat(),

    get epoch() {
      return writer.epoch;
    },

    startHeartbeat() {
      if (timer) return;
      timer = setInterval(() => {
        writer
          .heartbeat()
          .catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
      }, heartbeatMs);
      // Heartbeats alone must not keep a process alive that has nothing else to do.
      timer.unref();
    },

    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

function resolveOptions(options: RedisStreamFeedOptions) {
  const {
    client,
    clock,
    streamKey = 'gatehouse:revocations',
    heartbeatMs = 1000,
    maxLen = 100_000,
    retainAfterUntilMs = 60_000,
    blockMs = 5000,
    onError = () => {},
    seed,
    onReseed = () => {},
    newEpoch = () => randomBytes(12).toString('base64url'),
  } = options;
  if (!client) throw new TypeError('client is required');
  if (typeof clock?.now !== 'function') throw new TypeError('clock is required');
  if (typeof streamKey !== 'string' || streamKey === '')
    throw new TypeError('streamKey must be a non-empty string');
  if (!Number.isFinite(heartbeatMs) || heartbeatMs <= 0) throw new TypeError('heartbeatMs must be > 0');
  if (!Number.isInteger(maxLen) || maxLen < 1) throw new TypeError('maxLen must be a positive integer');
  if (!Number.isFinite(retainAfterUntilMs) || retainAfterUntilMs < 0)
    throw new TypeError('retainAfterUntilMs must be >= 0');
  if (!Number.isInteger(blockMs) || blockMs < 1) throw new TypeError('blockMs must be a positive integer');
  return {
    client,
    clock,
    streamKey,
    heartbeatMs,
    maxLen,
    retainAfterUntilMs,
    blockMs,
    onError,
    ...(seed ? { seed } : {}),
    onReseed,
    newEpoch,
  };
}
