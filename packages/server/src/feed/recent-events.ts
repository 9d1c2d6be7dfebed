import type { Clock, RevocationEvent } from '@gatehouse/core';

/** How long this process remembers what it published, to write it again after a loss. */
export const RECENT_EVENTS_MS = 5 * 60_000;
/** At most this many: a burst beyond it keeps the newest (a durable store, where there is one, seeds the rest). */
export const RECENT_EVENTS_MAX = 10_000;

export interface RecentEvents {
  /** Remembers events this process published, now. */
  add(events: RevocationEvent[]): void;
  /** What it published within `RECENT_EVENTS_MS` whose `until` (plus `retainAfterUntilMs`) has not passed. */
  live(retainAfterUntilMs: number): RevocationEvent[];
}

/**
 * The events this process published lately. Replication is asynchronous, so a failover loses a
 * tail of the stream, possibly with events in it, and with the Redis store no durable copy holds
 * them (its revocations live only in the feed). The publishing server still does: every seed, and
 * every adoption of an epoch another server seeded, writes them again (duplicates are no-ops to a
 * verifier). What is left is the server that published dying with the primary.
 */
export function createRecentEvents(clock: Clock): RecentEvents {
  let entries: Array<{ event: RevocationEvent; at: number }> = [];
  const prune = (now: number) => {
    const first = entries.findIndex((entry) => entry.at > now - RECENT_EVENTS_MS);
    if (first !== 0) entries = first < 0 ? [] : entries.slice(first);
    if (entries.length > RECENT_EVENTS_MAX) entries = entries.slice(-RECENT_EVENTS_MAX);
  };
  return {
    add(events) {
      const at = clock.now();
      for (const event of events) entries.push({ event, at });
      prune(at);
    },
    live(retainAfterUntilMs) {
      const now = clock.now();
      prune(now);
      return entries.filter(({ event }) => event.until + retainAfterUntilMs >= now).map(({ event }) => event);
    },
  };
}
