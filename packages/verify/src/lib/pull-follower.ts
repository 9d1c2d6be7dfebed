import type { Clock, RevocationSet } from '@gatehouse/core';
import type { PullAnswer, PullFeedSource } from '../pull-feed-source.ts';
import type { Counters, FeedFollower } from './feed-follower.ts';
import { withGetters } from './with-getters.ts';

export interface PullFollowerOptions {
  feed: PullFeedSource;
  revoked: RevocationSet;
  clock: Clock;
  maxStalenessMs: number;
  onError: (error: unknown) => void;
  /** The feed lost what came after the cursor pulled from (`expired`): see FeedFollowerOptions. */
  onCursorExpired?: () => void;
}

export interface PullFollower extends FeedFollower {
  /**
   * Called before each request is answered: undefined (nothing to wait for) while the view is
   * younger than `maxStalenessMs`; otherwise the one pull in flight, shared by every caller.
   */
  refresh(): Promise<void> | undefined;
}

/**
 * Keeps a RevocationSet current without a held connection: a snapshot at start (a cold start), then
 * a pull when the view is older than `maxStalenessMs`, started by the first request that finds it so
 * and awaited by all that arrive meanwhile. The view's age counts from when the pull was *sent*:
 * the answer is at least that fresh. A failed pull leaves the view as it was (so, stale): requests
 * then get the staleness policy, and the next request tries again.
 */
export function createPullFollower(options: PullFollowerOptions): PullFollower {
  const { feed, revoked, clock, maxStalenessMs, onError, onCursorExpired } = options;
  let lastMessageAt = Number.NEGATIVE_INFINITY;
  let cursor = '';
  let events = 0;
  let pulls = 0;
  let inFlight: Promise<void> | undefined;

  async function apply(read: () => Promise<PullAnswer>): Promise<void> {
    const sentAt = clock.now();
    const answer = await read();
    // Before the events: a session validated meanwhile is answered but not cached.
    if (answer.expired) onCursorExpired?.();
    for (const event of answer.events) revoked.apply(event);
    events += answer.events.length;
    cursor = answer.cursor;
    // A feed being seeded again may miss revocations: the view stays as old as it was, so the next
    // request pulls again (and, stale meanwhile, gets the staleness policy).
    if (answer.complete !== false) lastMessageAt = Math.max(lastMessageAt, sentAt);
  }

  const follower: Omit<PullFollower, Counters> = {
    async start() {
      await apply(() => feed.snapshot());
    },

    async stop() {
      await inFlight;
    },

    refresh() {
      if (inFlight) return inFlight;
      if (cursor === '' || clock.now() - lastMessageAt <= maxStalenessMs) return undefined;
      pulls++;
      inFlight = apply(() => feed.pull(cursor))
        .catch(onError)
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
  return withGetters<PullFollower, Counters>(follower, {
    lastMessageAt: () => lastMessageAt,
    events: () => events,
    // A pull is this mode's reconnect: what it costs is one request to the auth server.
    reconnects: () => pulls,
  });
}
