import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type Clock,
  FeedCursorExpiredError,
  type FeedSource,
  parseRevocationEvent,
  type RevocationEvent,
  type RevocationPublisher,
} from '@gatehouse/core';
import { Cluster, type Redis } from 'ioredis';
import { liveSetKeyFor } from './live-set-key.ts';
import { compareStreamIds, isStreamId } from './stream-id.ts';
import { EVENT_FIELD, parseEventJson, toFeedMessage } from './stream-entry.ts';

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
   * epoch key: restarted empty; or a stream behind what this process wrote: restored from an older
   * snapshot), it writes them all again before its next heartbeat. Omitted: nothing to replay, and
   * the feed is only as durable as Redis's own persistence.
   */
  seed?: () => Promise<RevocationEvent[]>;
  /** Told each time the feed seeds Redis again, and why. */
  onReseed?: (info: { reason: 'missing' | 'behind'; events: number }) => void;
  /** Random source for epochs; tests may pin it. */
  newEpoch?: () => string;
}

export interface RedisStreamFeed extends RevocationPublisher, FeedSource {
  /**
   * Appends one heartbeat now, unless Redis lost data since this process last looked: then it
   * first seeds the live set and the stream again (see `seed`), and only then heartbeats.
   */
  heartbeat(): Promise<void>;
  /** The epoch this process seeded or adopted; null before the first heartbeat. */
  readonly epoch: string | null;
  /** Appends a heartbeat every `heartbeatMs` until `stop`; the auth server runs this. */
  startHeartbeat(): void;
  stop(): void;
}

const FOLLOWER_NAME = 'gatehouse-feed-follower';
const READ_COUNT = 1000;
const BLOCK_MARGIN_MS = 2000;
const SNAPSHOT_COMMAND = 'gatehouse_feedSnapshot';
const SNAPSHOT_LUA = readFileSync(new URL('./lua/snapshot.lua', import.meta.url), 'utf8');
const HEARTBEAT_COMMAND = 'gatehouse_feedHeartbeat';
const HEARTBEAT_LUA = readFileSync(new URL('./lua/heartbeat.lua', import.meta.url), 'utf8');
const FINISH_SEED_COMMAND = 'gatehouse_feedFinishSeed';
const FINISH_SEED_LUA = readFileSync(new URL('./lua/finish-seed.lua', import.meta.url), 'utf8');
const SEED_BATCH = 500;
const PENDING_PREFIX = 'pending:';
const SEED_MARKER_TTL_MS = 30_000;

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
  const liveKey = liveSetKeyFor(streamKey);
  const epochKey = epochKeyFor(liveKey);
  client.defineCommand(SNAPSHOT_COMMAND, { lua: SNAPSHOT_LUA, numberOfKeys: 3 });
  client.defineCommand(HEARTBEAT_COMMAND, { lua: HEARTBEAT_LUA, numberOfKeys: 2 });
  client.defineCommand(FINISH_SEED_COMMAND, { lua: FINISH_SEED_LUA, numberOfKeys: 1 });
  const commands = client as unknown as Record<string, (...args: string[]) => Promise<unknown>>;
  const trim = ['MAXLEN', '~', String(maxLen)] as const;
  let timer: ReturnType<typeof setInterval> | undefined;
  /** The epoch this process knows the feed to be complete under; null: not looked yet. */
  let epoch: string | null = null;
  /** The newest stream id this process wrote under `epoch`: a stream behind it lost entries. */
  let lastWrittenId = '0-0';

  async function append(events: RevocationEvent[]): Promise<void> {
    const transaction = client.multi();
    for (const event of events) {
      const json = JSON.stringify(event);
      transaction.zadd(liveKey, String(event.until), json);
      transaction.xadd(streamKey, ...trim, '*', EVENT_FIELD, json);
    }
    transaction.zremrangebyscore(liveKey, '-inf', `(${clock.now() - retainAfterUntilMs}`);
    const replies = await transaction.exec();
    const failed = replies?.find(([error]) => error)?.[0];
    if (!replies || failed) throw failed ?? new Error('redis-stream-feed: publish transaction aborted');
    for (const [, reply] of replies) {
      if (typeof reply === 'string' && isStreamId(reply) && compareStreamIds(reply, lastWrittenId) > 0)
        lastWrittenId = reply;
    }
  }

  /**
   * Writes every live revocation of the durable store into Redis again under a new epoch. A
   * `pending:` marker goes first and the epoch replaces it only if it survived the seed, so a
   * Redis that restarts mid-seed is seeded again rather than half.
   */
  async function reseed(reason: 'missing' | 'behind'): Promise<void> {
    const next = newEpoch();
    const marker = `${PENDING_PREFIX}${next}`;
    // Expires by itself: a server that dies mid-seed must not withhold every heartbeat forever.
    await client.set(epochKey, marker, 'PX', SEED_MARKER_TTL_MS);
    const events = seed ? await seed() : [];
    const now = clock.now();
    const live = events.filter((event) => event.until + retainAfterUntilMs >= now);
    lastWrittenId = '0-0';
    for (let index = 0; index < live.length; index += SEED_BATCH)
      await append(live.slice(index, index + SEED_BATCH));
    if ((await commands[FINISH_SEED_COMMAND]!(epochKey, marker, next)) !== 1)
      throw new Error('redis-stream-feed: Redis lost the seed while it was written; seeding again');
    epoch = next;
    onReseed({ reason, events: live.length });
  }

  async function heartbeat(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const [outcome, detail] = (await commands[HEARTBEAT_COMMAND]!(
        streamKey,
        epochKey,
        epoch ?? '',
        lastWrittenId,
        String(maxLen),
        String(Math.trunc(clock.now())),
      )) as [string, string];
      if (outcome === 'ok') return;
      if (outcome === 'epoch' && detail !== '' && !detail.startsWith(PENDING_PREFIX)) {
        // Another auth server seeded (or this process is new): the feed is complete under its epoch.
        epoch = detail;
        lastWrittenId = '0-0';
        continue;
      }
      if (outcome === 'epoch' && detail.startsWith(PENDING_PREFIX)) {
        throw new Error('redis-stream-feed: another server is seeding the feed; heartbeat withheld');
      }
      await reseed(outcome === 'behind' ? 'behind' : 'missing');
    }
    throw new Error('redis-stream-feed: the feed keeps changing epoch; heartbeat withheld');
  }

  /**
   * Rejects when the stream can no longer replay everything after `cursor`: entries past it were
   * trimmed or deleted, or the cursor is ahead of the stream (Redis lost the stream, or the cursor
   * belongs to another one). Trimming only ever removes the oldest entries, and Redis does not
   * record how far it went, so a first entry past the cursor means entries after it may be gone.
   */
  async function assertResumable(connection: Redis | Cluster, cursor: string): Promise<void> {
    const info = await readStreamInfo(connection, streamKey);
    if (compareStreamIds(cursor, info.lastGeneratedId) > 0) throw new FeedCursorExpiredError();
    if (info.everTrimmed && info.firstEntryId && compareStreamIds(info.firstEntryId, cursor) > 0) {
      throw new FeedCursorExpiredError();
    }
    // XDEL leaves a tombstone id behind; an event deleted after the cursor cannot be replayed.
    if (info.maxDeletedId && compareStreamIds(info.maxDeletedId, cursor) > 0)
      throw new FeedCursorExpiredError();
  }

  return {
    async publish(events) {
      if (events.length === 0) return;
      const checked = events.map((event) => {
        const valid = parseRevocationEvent(event);
        if (!valid) throw new TypeError('publish: not a revocation event');
        return valid;
      });
      await append(checked);
    },

    async snapshot() {
      const [cursor, members, complete] = (await commands[SNAPSHOT_COMMAND]!(
        streamKey,
        liveKey,
        epochKey,
        String(clock.now() - retainAfterUntilMs),
      )) as [string, string[], number];
      const events: RevocationEvent[] = [];
      for (const member of members) {
        const event = parseEventJson(member);
        if (event) events.push(event);
        else onError(new Error('redis-stream-feed: skipped a malformed member of the live set'));
      }
      return complete === 1 ? { events, cursor } : { events, cursor, complete: false };
    },

    async follow(cursor, onMessage, signal) {
      if (!isStreamId(cursor)) throw new FeedCursorExpiredError('feed cursor is not a Redis stream id');
      if (signal.aborted) return;
      // XREAD BLOCK holds its connection; aborting closes it, which also ends a pending read.
      const connection = openFollowerConnection(client, blockMs + BLOCK_MARGIN_MS);
      const onAbort = () => connection.disconnect();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await assertResumable(connection, cursor);
        let last = cursor;
        while (!signal.aborted) {
          const reply = await connection.xread(
            'COUNT',
            READ_COUNT,
            'BLOCK',
            blockMs,
            'STREAMS',
            streamKey,
            last,
          );
          const entries = reply?.[0]?.[1] ?? [];
          if (entries.length === 0) continue;
          // Checked after the read: trimming only moves the first entry forward, so if anything after
          // `last` was trimmed before the read, the first entry is past `last` now and we notice.
          await assertResumable(connection, last);
          // A heartbeat means "you have heard everything" only at the head: a full batch is a
          // catch-up with more to read, and a heartbeat followed by anything is an old one.
          const atHead = entries.length < READ_COUNT;
          for (const [index, [id, fields]] of entries.entries()) {
            last = id;
            const message = toFeedMessage(id, fields);
            if (!message) onError(new Error(`redis-stream-feed: skipped malformed stream entry ${id}`));
            else if (message.kind === 'event' || (atHead && index === entries.length - 1)) onMessage(message);
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      } finally {
        signal.removeEventListener('abort', onAbort);
        connection.disconnect();
      }
    },

    heartbeat,

    get epoch() {
      return epoch;
    },

    startHeartbeat() {
      if (timer) return;
      timer = setInterval(() => {
        heartbeat().catch((error: unknown) =>
          onError(error instanceof Error ? error : new Error(String(error))),
        );
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

/** The epoch key sits beside the live set, in the stream's cluster slot. */
function epochKeyFor(liveKey: string): string {
  return `${liveKey.slice(0, -':live'.length)}:epoch`;
}

/**
 * A connection of its own that never reconnects by itself: when it drops, `follow` rejects and the
 * verifier resumes from its last cursor, which it knows and this connection does not. An XREAD
 * BLOCK answers within `blockMs` even when idle, so a socket silent for longer than that (plus a
 * margin) is dead, e.g. half-open after a network partition: the socket timeout destroys it. The
 * client's own command timeout is dropped, since it could be shorter than the block. Closing does
 * not wait for a graceful FIN exchange (2 s by default): there is nothing to flush on a read-only
 * connection, and the wait would keep a stopping process alive.
 */
function openFollowerConnection(client: Redis | Cluster, socketTimeout: number): Redis | Cluster {
  const overrides = {
    connectionName: FOLLOWER_NAME,
    socketTimeout,
    commandTimeout: undefined,
    disconnectTimeout: 0,
    // Its first command waits for its own connect (bounded: it never retries, and the socket times
    // out), whatever the parent client does with commands while it is disconnected.
    enableOfflineQueue: true,
  };
  const connection =
    client instanceof Cluster
      ? client.duplicate(undefined, {
          clusterRetryStrategy: () => null,
          redisOptions: { ...client.options.redisOptions, ...overrides },
        })
      : client.duplicate({ ...overrides, retryStrategy: () => null });
  // Failures reach `follow` through the rejected command; without a listener ioredis logs them too.
  connection.on('error', () => {});
  return connection;
}

interface StreamInfo {
  lastGeneratedId: string;
  firstEntryId: string | null;
  /** Whether entries were ever removed; assumed when Redis (before 7) cannot say. */
  everTrimmed: boolean;
  /** Redis 7+: the newest id XDEL removed. */
  maxDeletedId: string | null;
}

async function readStreamInfo(connection: Redis | Cluster, streamKey: string): Promise<StreamInfo> {
  let reply: unknown;
  try {
    reply = await connection.call('XINFO', 'STREAM', streamKey);
  } catch (error) {
    // No stream yet (or no longer): nothing was ever generated or removed.
    if (error instanceof Error && /no such key/i.test(error.message)) {
      return { lastGeneratedId: '0-0', firstEntryId: null, everTrimmed: false, maxDeletedId: null };
    }
    throw error;
  }
  const fields = new Map<unknown, unknown>();
  const flat = reply as unknown[];
  for (let index = 0; index + 1 < flat.length; index += 2) fields.set(flat[index], flat[index + 1]);
  const firstEntry = fields.get('first-entry') as [string, unknown] | null | undefined;
  const entriesAdded = fields.get('entries-added');
  const maxDeleted = fields.get('max-deleted-entry-id');
  return {
    lastGeneratedId: String(fields.get('last-generated-id') ?? '0-0'),
    firstEntryId: firstEntry?.[0] ?? null,
    everTrimmed: typeof entriesAdded !== 'number' || entriesAdded > Number(fields.get('length')),
    maxDeletedId: typeof maxDeleted === 'string' && maxDeleted !== '0-0' ? maxDeleted : null,
  };
}
