import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Clock,
  FeedCursorExpiredError,
  type FeedMessage,
  type FeedSource,
  type RevocationSet,
} from '@gatehouse/core';
import { withGetters } from './with-getters.ts';

const INITIAL_RETRY_MS = 100;
const MAX_RETRY_MS = 5000;

export interface FeedFollowerOptions {
  feed: FeedSource;
  revoked: RevocationSet;
  clock: Clock;
  maxStalenessMs: number;
  onError: (error: unknown) => void;
  /**
   * Told when the feed can no longer resume from the follower's cursor (it lost data, or trimmed
   * past it), before the new snapshot: whatever was remembered on the strength of the old view,
   * with no revocation event to undo it (a session the lost data held), must go.
   */
  onCursorExpired?: () => void;
}

export interface FeedFollower {
  /** Applies the snapshot, then follows in the background. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Clock time the verifier last knew it had heard everything: a complete snapshot, or a heartbeat
   * (which feeds deliver only at their head). Events do not count: during a catch-up they arrive
   * before the revocations that follow them. -Infinity before the first.
   */
  readonly lastMessageAt: number;
  readonly events: number;
  readonly reconnects: number;
}

/** The follower's figures, read through getters (with-getters.ts). */
export type Counters = 'lastMessageAt' | 'events' | 'reconnects';

/**
 * Keeps a RevocationSet in step with a feed: snapshot, then follow from its cursor; on a dropped
 * connection, resume from the last cursor after a jittered backoff; on a cursor the feed can no
 * longer resume, take a new snapshot (events are idempotent, so overlap is harmless). A connection
 * that stays silent past `maxStalenessMs` is abandoned, since a half-open socket never errors.
 */
export function createFeedFollower(options: FeedFollowerOptions): FeedFollower {
  const { feed, revoked, clock, maxStalenessMs, onError, onCursorExpired } = options;
  // Retrying faster than the staleness bound gives a blip a chance to heal before requests see it.
  const maxRetryMs = Math.min(MAX_RETRY_MS, Math.max(INITIAL_RETRY_MS, maxStalenessMs / 2));
  const watchdogMs = Math.min(1000, Math.max(50, maxStalenessMs / 2));
  let lastMessageAt = Number.NEGATIVE_INFINITY;
  /** Any message at all: the connection is alive (the watchdog's question, not freshness). */
  let lastHeardAt = Number.NEGATIVE_INFINITY;
  let cursor = '';
  let events = 0;
  let reconnects = 0;
  let stopping: AbortController | undefined;
  let connection: AbortController | undefined;
  let connectedAt = 0;
  let loop: Promise<void> | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;

  async function takeSnapshot(): Promise<void> {
    const snapshot = await feed.snapshot();
    for (const event of snapshot.events) revoked.apply(event);
    cursor = snapshot.cursor;
    // An incomplete snapshot (the feed lost data and is being seeded again) is applied, but only
    // the heartbeat written after the seed makes the verifier fresh.
    if (snapshot.complete !== false) lastMessageAt = clock.now();
  }

  function onMessage(message: FeedMessage): void {
    lastHeardAt = clock.now();
    cursor = message.cursor;
    if (message.kind === 'event') {
      events++;
      revoked.apply(message.event);
    } else {
      lastMessageAt = lastHeardAt;
    }
  }

  function checkSilence(): void {
    const heardAt = Math.max(lastMessageAt, lastHeardAt, connectedAt);
    if (connection && clock.now() - heardAt > maxStalenessMs) connection.abort();
  }

  async function follow(stop: AbortSignal): Promise<void> {
    let retryMs = INITIAL_RETRY_MS;
    while (!stop.aborted) {
      connection = new AbortController();
      connectedAt = clock.now();
      const heardBefore = lastHeardAt;
      try {
        await feed.follow(cursor, onMessage, AbortSignal.any([stop, connection.signal]));
      } catch (error) {
        if (!stop.aborted) onError(error);
        if (error instanceof FeedCursorExpiredError) {
          onCursorExpired?.();
          await takeSnapshot().catch(onError);
        }
      }
      connection = undefined;
      if (stop.aborted) return;
      reconnects++;
      if (lastHeardAt !== heardBefore) retryMs = INITIAL_RETRY_MS;
      await sleep(retryMs * (0.5 + Math.random() / 2), undefined, { signal: stop, ref: false }).catch(
        () => {},
      );
      retryMs = Math.min(retryMs * 2, maxRetryMs);
    }
  }

  const follower: Omit<FeedFollower, Counters> = {
    async start() {
      await takeSnapshot();
      stopping = new AbortController();
      loop = follow(stopping.signal);
      watchdog = setInterval(checkSilence, watchdogMs);
      // Not on every runtime: Deno and workerd timers are plain numbers.
      (watchdog as { unref?: () => void }).unref?.();
    },

    async stop() {
      clearInterval(watchdog);
      stopping?.abort();
      await loop;
    },
  };
  return withGetters<FeedFollower, Counters>(follower, {
    lastMessageAt: () => lastMessageAt,
    events: () => events,
    reconnects: () => reconnects,
  });
}
