import type { Clock, RevocationEvent } from '@gatehouse/core';
import type { Cluster, Redis } from 'ioredis';
import { feedLua } from './feed-lua.ts';
import { createRecentEvents } from './recent-events.ts';
import { compareStreamIds, isStreamId } from './stream-id.ts';
import { EVENT_FIELD } from './stream-entry.ts';

const HEARTBEAT_COMMAND = 'gatehouse_feedHeartbeat';
const HEARTBEAT_LUA = feedLua('heartbeat.lua');
const FINISH_SEED_COMMAND = 'gatehouse_feedFinishSeed';
const FINISH_SEED_LUA = feedLua('finish-seed.lua');
const BEGIN_SEED_COMMAND = 'gatehouse_feedBeginSeed';
const BEGIN_SEED_LUA = feedLua('begin-seed.lua');
const SEED_BATCH = 500;
const PENDING_PREFIX = 'pending:';
const SEED_MARKER_TTL_MS = 30_000;

/**
 * Why the feed was seeded again: Redis restarted empty (`missing`), came back from an older snapshot
 * (`behind`), or runs on another replication id than the epoch's (`failover`): a replica promoted
 * since, or a restart from its persistence files (a primary gets a new id then too), either of
 * which may have lost the newest writes.
 */
export type ReseedReason = 'missing' | 'behind' | 'failover';

export interface StreamWriterOptions {
  client: Redis | Cluster;
  streamKey: string;
  liveKey: string;
  epochKey: string;
  /** Holds the replication id of the Redis history the epoch is bound to. */
  replidKey: string;
  clock: Clock;
  maxLen: number;
  retainAfterUntilMs: number;
  seed?: () => Promise<RevocationEvent[]>;
  onReseed: (info: { reason: ReseedReason; events: number }) => void;
  newEpoch: () => string;
}

export interface StreamWriter {
  /** Appends the events to the stream and the live set in one transaction. */
  append(events: RevocationEvent[]): Promise<void>;
  /** See `RedisStreamFeed.heartbeat`. */
  heartbeat(): Promise<void>;
  readonly epoch: string | null;
}

/**
 * The writing side of the Redis Streams feed: events, heartbeats, and the epoch that tells this
 * process whether Redis still holds everything it wrote (docs/design.md §5).
 */
export function createStreamWriter(options: StreamWriterOptions): StreamWriter {
  const { client, streamKey, epochKey, replidKey, clock, retainAfterUntilMs } = options;
  const commands = defineCommands(client);
  /** The epoch this process knows the feed to be complete under; null: not looked yet. */
  let epoch: string | null = null;
  /** The newest stream id this process wrote under `epoch`: a stream behind it lost entries. */
  let lastWrittenId = '0-0';
  /** The pending marker of this process's last seed that failed part-way. */
  let failedMarker: string | null = null;
  const recent = createRecentEvents(clock);

  async function write(events: RevocationEvent[]): Promise<void> {
    const ids = await appendEvents(options, events);
    for (const id of ids) if (compareStreamIds(id, lastWrittenId) > 0) lastWrittenId = id;
  }

  /** A publish: written, and remembered to be written again after a loss (recent-events.ts). */
  async function append(events: RevocationEvent[]): Promise<void> {
    await write(events);
    recent.add(events);
  }

  // Writes every live revocation of the durable store into Redis again under a new epoch. A `pending:`
  // marker goes first; the epoch replaces it only if it survived, so a restart mid-seed seeds again.
  async function reseed(reason: ReseedReason): Promise<void> {
    const next = options.newEpoch();
    const marker = `${PENDING_PREFIX}${next}`;
    try {
      // Expires by itself: a server that dies mid-seed must not withhold every heartbeat forever. The
      // script also fences off every cursor from before a loss of the whole feed (lua/begin-seed.lua);
      // not after a failover, whose lost tail is what GATEHOUSE_REDIS_WAIT_REPLICAS guards, where it
      // cost every SSE follower a second reconnect (stale meanwhile) on a loaded machine.
      const fence = reason === 'failover' ? '0' : '1';
      await commands[BEGIN_SEED_COMMAND]!(epochKey, streamKey, marker, String(SEED_MARKER_TTL_MS), fence);
      lastWrittenId = '0-0';
      const events = await writeLive();
      if ((await commands[FINISH_SEED_COMMAND]!(epochKey, replidKey, marker, next)) !== 1)
        throw new Error('redis-stream-feed: Redis lost the seed while it was written; seeding again');
      epoch = next;
      options.onReseed({ reason, events });
    } catch (error) {
      failedMarker = marker;
      throw error;
    }
  }

  // Appends every live revocation of the durable store (with `durable`) and every one this process
  // published lately, SEED_BATCH per transaction; returns how many.
  async function writeLive(durable = true): Promise<number> {
    const stored = durable && options.seed ? await options.seed() : [];
    const now = clock.now();
    const live = [
      ...stored.filter((event) => event.until + retainAfterUntilMs >= now),
      ...recent.live(retainAfterUntilMs),
    ];
    for (let index = 0; index < live.length; index += SEED_BATCH)
      await write(live.slice(index, index + SEED_BATCH));
    return live.length;
  }

  async function heartbeat(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const [outcome, detail] = await tryHeartbeat(commands, options, epoch, lastWrittenId);
      if (outcome === 'ok') return;
      if (outcome === 'epoch' && detail !== '' && !detail.startsWith(PENDING_PREFIX)) {
        // Another auth server seeded (or this process is new): the feed is complete under its epoch,
        // except for what a server that died with events pending never published (they live only in
        // its memory). So a process adopting an epoch for the first time writes the durable store's
        // live revocations again before its first heartbeat: duplicates are harmless to verifiers.
        // A later adoption (another server seeded after a loss this process did not notice first)
        // writes again what this process published lately: the loss may have taken it.
        lastWrittenId = '0-0';
        await writeLive(epoch === null);
        epoch = detail;
        continue;
      }
      // A pending marker is another server's seed, or this process's own that failed part-way (the
      // durable store did not answer, say): that one is seeded again now, not once it expires.
      if (outcome === 'epoch' && detail.startsWith(PENDING_PREFIX) && detail !== failedMarker)
        throw new Error('redis-stream-feed: another server is seeding the feed; heartbeat withheld');
      await reseed(outcome === 'behind' || outcome === 'failover' ? outcome : 'missing');
    }
    throw new Error('redis-stream-feed: the feed keeps changing epoch; heartbeat withheld');
  }

  return {
    append,
    heartbeat,
    get epoch() {
      return epoch;
    },
  };
}

/** Appends the events to the stream and the live set in one transaction; resolves with their ids. */
async function appendEvents(
  { client, streamKey, liveKey, maxLen, clock, retainAfterUntilMs }: StreamWriterOptions,
  events: RevocationEvent[],
): Promise<string[]> {
  const transaction = client.multi();
  for (const event of events) {
    const json = JSON.stringify(event);
    transaction.zadd(liveKey, String(event.until), json);
    transaction.xadd(streamKey, 'MAXLEN', '~', String(maxLen), '*', EVENT_FIELD, json);
  }
  transaction.zremrangebyscore(liveKey, '-inf', `(${clock.now() - retainAfterUntilMs}`);
  const replies = await transaction.exec();
  const failed = replies?.find(([error]) => error)?.[0];
  if (!replies || failed) throw failed ?? new Error('redis-stream-feed: publish transaction aborted');
  return replies.flatMap(([, reply]) => (typeof reply === 'string' && isStreamId(reply) ? [reply] : []));
}

/** Runs lua/heartbeat.lua: `['ok', id]`, or why not and what it found (`epoch`, `behind`, `failover`). */
async function tryHeartbeat(
  commands: Record<string, (...args: string[]) => Promise<unknown>>,
  { streamKey, epochKey, replidKey, maxLen, clock }: StreamWriterOptions,
  epoch: string | null,
  lastWrittenId: string,
): Promise<[string, string]> {
  return (await commands[HEARTBEAT_COMMAND]!(
    streamKey,
    epochKey,
    replidKey,
    epoch ?? '',
    lastWrittenId,
    String(maxLen),
    String(Math.trunc(clock.now())),
  )) as [string, string];
}

function defineCommands(client: Redis | Cluster) {
  client.defineCommand(HEARTBEAT_COMMAND, { lua: HEARTBEAT_LUA, numberOfKeys: 3 });
  client.defineCommand(FINISH_SEED_COMMAND, { lua: FINISH_SEED_LUA, numberOfKeys: 2 });
  client.defineCommand(BEGIN_SEED_COMMAND, { lua: BEGIN_SEED_LUA, numberOfKeys: 2 });
  return client as unknown as Record<string, (...args: string[]) => Promise<unknown>>;
}
