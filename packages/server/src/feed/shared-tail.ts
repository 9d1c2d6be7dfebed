import {
  FeedCursorExpiredError,
  type FeedMessage,
  type FeedSnapshot,
  type FeedSource,
} from '@gatehouse/core';
import { coalescedRead } from './coalesced-read.ts';
import { type Compare, createHandOut, createMember, type Deliver, type Member } from './tail-hand-out.ts';
import { createTailWindow, type TailWindow, type WindowPlacement } from './tail-window.ts';

export interface SharedTailOptions {
  /**
   * The feed every follower would otherwise read on a connection of its own; it says whether it
   * can resume from a cursor and what came after one (the in-process and Redis Streams feeds do).
   */
  source: FeedSource & Pick<OpeningFeedSource, 'canResume' | 'changesSince'>;
  /** Orders two cursors of `source` (negative: `a` is older). */
  compare(a: string, b: string): number;
  /** Whether a string is a cursor of `source` at all; anything else goes to `source` to refuse. */
  isCursor(value: string): boolean;
  /** The newest cursor of the feed: where the tail starts, and the furthest a follower may ask for. */
  head(): Promise<string>;
  /**
   * The feed's newest `count` events, to start the window with (`stream-recent.ts`), so that
   * followers resuming a little behind the head join it at once. Without it the window starts at
   * the head, and every follower behind reads `source` on its own until it reaches the window.
   */
  recent?(count: number): Promise<WindowPlacement>;
  /** How many recent events are kept for followers that join a little behind. Default 10 000. */
  windowSize?: number;
  /**
   * Followers handed what the tail read per turn of the event loop. Default DELIVERIES_PER_TURN. The tail records
   * a message when it arrives and hands it to the first `firstDeliveries` followers once the code
   * that published it is done; the rest from the next turn on: whoever published it (a revoke
   * call) answers first, and thousands of followers never hold the loop in one go.
   */
  deliveriesPerTurn?: number;
  /** Followers handed a message before yielding to the event loop. Default 16: a few followers hear at once. */
  firstDeliveries?: number;
  /**
   * The longest a heartbeat's hand-out may be spread over, in slices of `deliveriesPerTurn`
   * followers spaced evenly over half the time since the previous heartbeat, up to this. Default
   * 500 ms; 0 hands heartbeats out at full speed, as events are. Spread, the writes of a heartbeat to
   * thousands of followers never come due at once, and an event never waits behind them.
   */
  heartbeatSpreadMs?: number;
}

/**
 * A shared tail's default followers per turn: about 1 ms of writing SSE messages to them on an idle
 * core (one `write(2)` each, 8–12 µs), so a request that arrives meanwhile (a revoke call over Redis,
 * whose answer can come a turn after the tail read the event) waits about that long at most.
 */
export const DELIVERIES_PER_TURN = 64;

/**
 * A feed whose `follow` may also say when it has accepted the cursor, before any message: the SSE
 * route then sends its response headers at once instead of with the first message (which, on a
 * quiet Redis feed, comes with the next heartbeat). A feed without it opens on the first message.
 */
export interface OpeningFeedSource extends FeedSource {
  follow(cursor: string, onMessage: Deliver, signal: AbortSignal, onOpen?: () => void): Promise<void>;
  /**
   * The feed's newest cursor, the one a snapshot taken now would carry, read without the snapshot's
   * live set: where a follower without a cursor starts. A feed without it is asked for a snapshot.
   */
  newestCursor?(): Promise<string>;
  /**
   * Whether `follow` could resume from `cursor` now: false when the feed no longer holds what came
   * after it (trimmed, or the feed lost its data, or the text is no cursor of this feed). A pull
   * answer says so, and the verifier then forgets the sessions it cached, as one whose stream was
   * refused does.
   */
  canResume(cursor: string): Promise<boolean> | boolean;
  /**
   * The events after `cursor` and the head, as `follow` would deliver them from there (with
   * `complete: false` as a snapshot says it); null when it could not resume from `cursor`, or when
   * the events are more than `limit`. A pull from a cursor a little behind then costs what changed
   * since, not the whole live set.
   */
  changesSince(cursor: string, limit: number): Promise<FeedSnapshot | null> | FeedSnapshot | null;
}

export interface SharedTail extends OpeningFeedSource {
  /** Followers served by the tail (a follower still catching up on its own is not counted). */
  readonly followers: number;
  /** Ends every follower and stops the tail. */
  close(): void;
}

/**
 * One reader of `source` for the whole process, fanned out in memory: a follower whose cursor is
 * within the recent events the tail keeps gets those replayed and then rides the tail; one further
 * behind reads `source` on its own until it reaches them. So a thousand SSE followers of a Redis
 * feed cost one Redis connection and one read per batch, not a thousand of each. The tail runs
 * while anyone follows; it ends every follower when it fails (they resume from their cursors).
 */
export function createSharedTail(options: SharedTailOptions): SharedTail {
  const { source, compare, isCursor } = options;
  const windowSize = options.windowSize ?? 10_000;
  const window = createTailWindow(windowSize, compare);
  const placement = placementOf(options, windowSize);
  const members = new Set<Member>();
  const perTurn = options.deliveriesPerTurn ?? DELIVERIES_PER_TURN;
  const spreadMs = options.heartbeatSpreadMs ?? 500;
  const handOut = createHandOut(
    members,
    perTurn,
    Math.min(perTurn, options.firstDeliveries ?? 16),
    spreadMs > 0 ? { maxMs: spreadMs, now: () => performance.now() } : undefined,
  );
  let tail: AbortController | null = null;

  function runTail(): void {
    if (tail) return;
    const controller = new AbortController();
    tail = controller;
    const ended = (error?: unknown) => {
      if (tail === controller) tail = null;
      if (controller.signal.aborted) return;
      window.unvouch();
      // The tail's own place is gone: start again from the head; followers behind it learn so.
      if (error instanceof FeedCursorExpiredError) window.reset();
      // What the tail read before it ended is theirs (their cursors then say so), then the end.
      handOut.flush();
      for (const member of [...members]) member.end(error);
    };
    const receive = (message: FeedMessage) => {
      if (controller.signal.aborted) return;
      window.receive(message);
      handOut.push(message);
    };
    source.follow(window.last, receive, controller.signal).then(() => ended(), ended);
  }

  function stopTail(): void {
    tail?.abort();
    tail = null;
    window.unvouch();
  }

  function join(after: string, onMessage: Deliver, signal: AbortSignal, onOpen?: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return resolve();
      const member = createMember(after, onMessage, compare, handOut.received, (error) => {
        if (!members.delete(member)) return;
        signal.removeEventListener('abort', onAbort);
        if (members.size === 0) stopTail();
        if (error === undefined) resolve();
        else reject(error);
      });
      const onAbort = () => member.end();
      signal.addEventListener('abort', onAbort, { once: true });
      members.add(member);
      // Accepted: the follower hears so now, not with the next message.
      onOpen?.();
      window.replay(after, (message) => members.has(member) && member.deliver(message));
      runTail();
    });
  }

  return {
    ...readsOf(options),
    async follow(cursor, onMessage, signal, onOpen) {
      if (!isCursor(cursor)) return source.follow(cursor, onMessage, signal);
      let after = cursor;
      while (!signal.aborted) {
        const start = await window.place(placement);
        if (compare(after, start) >= 0) {
          // Past what the tail has read: fine if the feed has it (the tail gets there), not otherwise.
          if (compare(after, window.last) > 0 && compare(after, await options.head()) > 0)
            throw new FeedCursorExpiredError();
          if (window.start === null || compare(after, window.start) < 0) continue;
          return join(after, onMessage, signal, onOpen);
        }
        const reached = await catchUp(source, compare, window, after, onMessage, signal);
        if (reached === null) return;
        after = reached;
      }
    },
    get followers() {
      return members.size;
    },
    close() {
      handOut.flush();
      for (const member of [...members]) member.end();
      stopTail();
    },
  };
}

/** Where the window is placed: with the feed's newest events where it can tell them, else at its head. */
function placementOf(options: SharedTailOptions, windowSize: number): () => Promise<WindowPlacement> {
  const { recent, head } = options;
  if (recent) return () => recent(windowSize);
  return async () => {
    const cursor = await head();
    return { start: cursor, last: cursor, events: [] };
  };
}

/**
 * The reads a shared tail hands to its source: each shared by a crowd that asks at once (a fleet
 * of verifiers starting together, or all reconnecting after the feed lost its data, costs two reads
 * of the live set, not one each: docs/design.md §5), and only for the source's own cursors.
 */
function readsOf(
  options: SharedTailOptions,
): Pick<SharedTail, 'snapshot' | 'newestCursor' | 'canResume' | 'changesSince'> {
  const { source, isCursor } = options;
  return {
    snapshot: coalescedRead(() => source.snapshot()),
    newestCursor: coalescedRead(() => options.head()),
    canResume: async (cursor) => isCursor(cursor) && (await source.canResume(cursor)),
    changesSince: async (cursor, limit) => (isCursor(cursor) ? source.changesSince(cursor, limit) : null),
  };
}

/** Reads `source` on its own from `cursor` until it reaches the tail's window; null if it stopped first. */
async function catchUp(
  source: FeedSource,
  compare: Compare,
  window: TailWindow,
  cursor: string,
  onMessage: Deliver,
  signal: AbortSignal,
): Promise<string | null> {
  const reached = new AbortController();
  let at: string | null = null;
  const forward = (message: FeedMessage) => {
    if (at !== null) return;
    onMessage(message);
    if (window.start !== null && compare(message.cursor, window.start) >= 0) {
      at = message.cursor;
      reached.abort();
    }
  };
  await source.follow(cursor, forward, AbortSignal.any([signal, reached.signal]));
  return signal.aborted ? null : at;
}
