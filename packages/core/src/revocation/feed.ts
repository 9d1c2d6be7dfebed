import type { RevocationEvent } from './revocation-event.ts';

/**
 * One message of the revocation feed. `cursor` is opaque to the consumer: it hands the last one it
 * saw back to `follow` to resume exactly after it. A heartbeat carries the current head cursor and
 * proves the feed is alive, which is what lets a verifier bound its staleness (docs/design.md §6).
 */
export type FeedMessage =
  | { kind: 'event'; cursor: string; event: RevocationEvent }
  | { kind: 'heartbeat'; cursor: string; at: number };

/** What a verifier consumes: a snapshot to start from, then a stream that resumes from a cursor. */
export interface FeedSource {
  /** Every live revocation, and the cursor the stream continues from. */
  snapshot(): Promise<{ events: RevocationEvent[]; cursor: string }>;
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
