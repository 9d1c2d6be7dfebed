import {
  type Clock,
  createInProcessFeed,
  type RevocationOutbox,
  type RevocationEvent,
  type RevocationPublisher,
  type RevocationStore,
} from '@gatehouse/core';
import type { GatehouseConfig } from '../config.ts';
import { connectBoundedRedis, redisTargetOf } from '../lib/bounded-redis.ts';
import { inProcessTailOptions, redisTailOptions } from './tail-options.ts';
import { createReliablePublisher } from './reliable-publisher.ts';
import { createSharedTail, type SharedTail } from './shared-tail.ts';

/** What the feed and the durable copy keep past an event's `until`: the verifiers' leeway. */
const RETAIN_AFTER_UNTIL_MS = 60_000;

/**
 * How long a revocation may stay pending in the store's outbox before any live server publishes
 * it: longer than a normal publish and its confirmation (the next heartbeat step, within 1 s), so
 * only what a dead (or cut-off) server left behind is published twice.
 */
export const OUTBOX_GRACE_MS = 3_000;
/** Rows the outbox sweep publishes per heartbeat step. */
const OUTBOX_BATCH = 500;
/** Outbox entries a store without durable revocations seeds the feed with, at most. */
const OUTBOX_SEED_LIMIT = 100_000;

/** The server's side of the revocation feed: where revocations go, and what `/revocations` serves. */
export interface RevocationFeed {
  publisher: RevocationPublisher;
  /** What `/revocations` serves: one shared tail of the feed. */
  source: SharedTail;
  /** Events accepted but not yet on the feed (always 0 in-process). */
  readonly pending: number;
  /** Retries pending events until none is left; rejects if some remain after `timeoutMs`. */
  flush(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface RevocationFeedHooks {
  onError: (error: Error) => void;
  /** Told when the feed is seeded again from the durable store (Redis lost data). */
  onReseed?: (info: { reason: string; events: number }) => void;
  /**
   * Default true: this process heartbeats (and so reseeds a feed that lost data). A CLI command
   * only publishes: heartbeats from a process without the full picture (it may run without the
   * durable store's help) would vouch for a feed it has not checked.
   */
  heartbeats?: boolean;
  /**
   * Events the Redis feed writes too whenever it seeds from the durable store: the server's
   * signing keys that the key store lost (`DroppedKeys.lostFromStore`).
   */
  alsoSeed?: () => Promise<RevocationEvent[]>;
}

/**
 * Picks the transport (docs/design.md §5): Redis Streams when `REDIS_URL` is set, so every auth server and
 * every verifier shares one durable, replayable feed; otherwise an in-process feed, which
 * verifiers in other processes reach through this server's SSE endpoint. Either way the server
 * emits the heartbeat that lets verifiers bound their staleness.
 *
 * With a durable store (`durable`), every revocation is written there first, and the feed is seeded
 * from it: the in-process feed at start (a restarted server still knows what was revoked), the
 * Redis feed whenever it finds that Redis lost data, and once at start before the first heartbeat
 * (what a server that died with events pending never published). Redis is a transport, never the
 * only copy.
 *
 * With an outbox (`outbox`, the store's `revocationOutbox`), every event recorded durably is
 * pending there until the feed took it; each heartbeat step of any live server publishes what
 * stayed pending longer than `OUTBOX_GRACE_MS` (a server died between its store write and its
 * publish: reuse detection's transaction, or a logout whose publish was still queued) before it
 * heartbeats.
 */
export async function openRevocationFeed(
  config: Pick<GatehouseConfig, 'redisUrl'> &
    Partial<
      Pick<GatehouseConfig, 'redisCluster' | 'redisClusterNodes' | 'redisSentinels' | 'redisSentinelPassword'>
    >,
  clock: Clock,
  hooks: RevocationFeedHooks | ((error: Error) => void),
  durable?: RevocationStore,
  outbox: RevocationOutbox | undefined = durable,
): Promise<RevocationFeed> {
  const {
    onError,
    onReseed = () => {},
    heartbeats = true,
    alsoSeed,
  } = typeof hooks === 'function' ? ({ onError: hooks } as RevocationFeedHooks) : hooks;
  const liveSince = () => clock.now() - RETAIN_AFTER_UNTIL_MS;
  const redis = redisTargetOf(config);
  if (!redis) return openInProcessFeed(clock, durable, liveSince);
  const [client, { createRedisStreamFeed }] = await Promise.all([
    connectBoundedRedis(redis, onError),
    import('./redis-stream-feed.ts'),
  ]);
  const feed = createRedisStreamFeed({
    client,
    clock,
    onError,
    retainAfterUntilMs: RETAIN_AFTER_UNTIL_MS,
    ...seedFrom(durable, outbox, liveSince, alsoSeed),
    onReseed,
  });
  // Heartbeats come from the reliable publisher, which withholds them while a revocation is pending.
  const publisher = createReliablePublisher({
    inner: feed,
    clock,
    onError,
    retainAfterUntilMs: RETAIN_AFTER_UNTIL_MS,
    ...(outbox
      ? {
          recover: () =>
            outbox.listPending(
              clock.now() - OUTBOX_GRACE_MS,
              clock.now() - RETAIN_AFTER_UNTIL_MS,
              OUTBOX_BATCH,
            ),
          confirm: (events: Parameters<RevocationOutbox['markPublished']>[0]) => outbox.markPublished(events),
        }
      : {}),
  });
  if (heartbeats) {
    publisher.start();
    void publisher.tick();
  }
  // Every SSE follower (and the server's own key-event follower) rides one Redis reader.
  const source = createSharedTail({
    source: feed,
    ...redisTailOptions(feed),
  });
  return {
    publisher: recordingFirst(durable, publisher, () => clock.now()),
    source,
    get pending() {
      return publisher.pending;
    },
    async flush(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (publisher.pending > 0) {
        if (Date.now() >= deadline)
          throw new Error(`revocation feed: ${publisher.pending} event(s) not published (Redis unreachable)`);
        await publisher.retry();
        if (publisher.pending > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await publisher.confirm();
    },
    async close() {
      source.close();
      publisher.stop();
      feed.stop();
      client.disconnect();
    },
  };
}

/** The feed without Redis: in this process, seeded from the durable store at start. */
async function openInProcessFeed(
  clock: Clock,
  durable: RevocationStore | undefined,
  liveSince: () => number,
): Promise<RevocationFeed> {
  const feed = createInProcessFeed({ clock, retainAfterUntilMs: RETAIN_AFTER_UNTIL_MS });
  if (durable) await feed.publish(await durable.listLive(liveSince()));
  // The SSE followers ride one follower of the feed, as over Redis: publishing hands an event to
  // it alone, and the tail hands it on from the next turn, so a revoke call answers before
  // thousands of followers are handed anything.
  const source = createSharedTail({
    source: feed,
    ...inProcessTailOptions(feed),
  });
  return {
    // Nothing to wait for: the event is on the (only) feed when `publish` returns.
    publisher: recordingFirst(durable, feed, () => undefined),
    source,
    pending: 0,
    flush: async () => {},
    close: async () => {
      source.close();
      feed.close();
    },
  };
}

/**
 * What the Redis feed writes again when it seeds or first adopts an epoch: every live durable
 * revocation; without a durable store (the Redis store), every live entry of its outbox, however
 * young, so no heartbeat of a restarted server vouches for a feed without them.
 */
function seedFrom(
  durable: RevocationStore | undefined,
  outbox: RevocationOutbox | undefined,
  liveSince: () => number,
  alsoSeed: (() => Promise<RevocationEvent[]>) | undefined,
) {
  const stored = durable
    ? () => durable.listLive(liveSince())
    : outbox
      ? () => outbox.listPending(Number.MAX_SAFE_INTEGER, liveSince(), OUTBOX_SEED_LIMIT)
      : undefined;
  if (!stored && !alsoSeed) return {};
  return {
    seed: async () => [...((await stored?.()) ?? []), ...((await alsoSeed?.()) ?? [])],
  };
}

/**
 * Writes each revocation to the durable store, then hands it to the feed. The feed is tried even
 * when the durable write failed (its tokens must not live on at verifiers; a session ended by
 * reuse detection is already gone from the store), and the failure is thrown after that, so the
 * caller answers 503 and, publishing first (revoke-sessions.ts), has deleted no session.
 * `pendingSince` dates the rows in the outbox (undefined: recorded as published).
 */
function recordingFirst(
  durable: RevocationStore | undefined,
  feed: RevocationPublisher,
  pendingSince: () => number | undefined,
): RevocationPublisher {
  if (!durable) return feed;
  return {
    async publish(events) {
      if (events.length === 0) return;
      let failure: unknown;
      try {
        await durable.record(events, pendingSince());
      } catch (error) {
        failure = error;
      }
      await feed.publish(events);
      if (failure !== undefined) throw failure;
    },
  };
}
