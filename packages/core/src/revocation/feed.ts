import type { RevocationEvent } from './revocation-event.ts';

/**
 * One message of the revocation feed. `cursor` is opaque to the consumer: it hands the last one it
 * saw back to `follow` to resume exactly after it. A heartbeat carries the current head cursor and
 * proves the feed is alive, which is what lets a verifier bound its staleness (docs/design.md §6). A feed
 * delivers a heartbeat only at its head: one replayed during a catch-up would make a verifier count
 * itself fresh before it has read the events that follow.
 */
export type FeedMessage =
  | { kind: 'event'; cursor: string; event: RevocationEvent }
  | { kind: 'heartbeat'; cursor: string; at: number };

export interface FeedSnapshot {
  events: RevocationEvent[];
  cursor: string;
  /** Absent means true. */
  complete?: boolean;
}

/** What a verifier consumes: a snapshot to start from, then a stream that resumes from a cursor. */
export interface FeedSource {
  /**
   * Every live revocation, and the cursor the stream continues from. `complete: false` means the
   * feed lost its data and is being seeded again (docs/design.md §5): the events may be missing some, so
   * the consumer applies them but counts itself fresh only at its next heartbeat, which the feed
   * writes after the seed.
   */
  snapshot(): Promise<FeedSnapshot>;
  /**
   * Delivers every message after `cursor`, then live ones, until the connection ends (the promise
   * settles) or `signal` aborts (the promise resolves). Rejects with `FeedCursorExpiredError`
   * when the feed can no longer replay from `cursor`; the consumer must take a new snapshot.
   */
  follow(cursor: string, onMessage: (message: FeedMessage) => void, signal: AbortSignal): Promise<void>;
}

/**
 * The feed no longer holds the events after this cursor (trimmed, or the cursor belongs to another
 * feed instance, e.g. before a restart). Resuming would silently skip revocations, so it refuses.
 */
export class FeedCursorExpiredError extends Error {
  readonly code = 'ERR_FEED_CURSOR_EXPIRED';
  constructor(message = 'feed cursor can no longer be resumed', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
