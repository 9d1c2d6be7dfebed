import type { FeedMessage } from '@gatehouse/core';
import type { Compare, Deliver } from './tail-hand-out.ts';

/**
 * Where a window starts: every event after `start` up to `last` is in `events` (ascending, at most
 * the window's size; none when the window starts at the head).
 */
export interface WindowPlacement {
  start: string;
  last: string;
  events: FeedMessage[];
}

/** The recent events a shared tail keeps, for followers that join a little behind its head. */
export interface TailWindow {
  /** Every event after `start` up to `last` is in the window; null: not placed on the feed yet. */
  readonly start: string | null;
  readonly last: string;
  /** Places an unplaced window where `read` says (at the feed's head, or with its newest events); resolves to `start`. */
  place(read: () => Promise<WindowPlacement>): Promise<string>;
  receive(message: FeedMessage): void;
  /** Delivers the events after `after`, then the newest heartbeat if the running tail vouched for it. */
  replay(after: string, deliver: Deliver): void;
  /** Forgets the heartbeat: it vouches for the head only while the tail reads it. */
  unvouch(): void;
  reset(): void;
}

export function createTailWindow(size: number, compare: Compare): TailWindow {
  let start: string | null = null;
  let last = '';
  let events: FeedMessage[] = [];
  let heartbeat: FeedMessage | null = null;
  let placing: Promise<void> | null = null;
  return {
    get start() {
      return start;
    },
    get last() {
      return last;
    },
    async place(read) {
      while (start === null) {
        placing ??= read()
          .then((placement) => {
            if (start !== null) return;
            start = placement.start;
            last = placement.last;
            events = placement.events;
          })
          .finally(() => {
            placing = null;
          });
        await placing;
      }
      return start;
    },
    receive(message) {
      last = message.cursor;
      heartbeat = message.kind === 'heartbeat' ? message : null;
      if (heartbeat) return;
      events.push(message);
      // Trimmed in batches, so a busy feed does not shift the window on every event.
      if (events.length > size + Math.ceil(size / 4)) {
        const drop = events.length - size;
        start = events[drop - 1]!.cursor;
        events = events.slice(drop);
      }
    },
    replay(after, deliver) {
      const held = events;
      for (let index = firstAfter(held, after, compare); index < held.length; index++) deliver(held[index]!);
      if (heartbeat && compare(heartbeat.cursor, after) >= 0) deliver(heartbeat);
    },
    unvouch() {
      heartbeat = null;
    },
    reset() {
      start = null;
      events = [];
      heartbeat = null;
    },
  };
}

/** Index of the first message in `window` (ascending cursors) that is newer than `cursor`. */
function firstAfter(window: FeedMessage[], cursor: string, compare: Compare): number {
  let low = 0;
  let high = window.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(window[middle]!.cursor, cursor) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
