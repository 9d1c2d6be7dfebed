import type { FeedMessage } from '@gatehouse/core';

/** How the shared tail's cursors compare, and what a follower is given. */
export type Compare = (a: string, b: string) => number;
export type Deliver = (message: FeedMessage) => void;

export interface Member {
  deliver(message: FeedMessage): void;
  end(error?: unknown): void;
  /** How many of the tail's messages (counted from the tail's first) this member has been handed. */
  handed: number;
}

/**
 * A follower riding the tail: skips what it had before it joined, and is ended if it throws. It
 * joins with the tail's messages so far counted as handed: the window's replay gave it those.
 */
export function createMember(
  after: string,
  onMessage: Deliver,
  compare: Compare,
  handed: number,
  end: (error?: unknown) => void,
): Member {
  /** Messages up to this cursor were delivered already; null once past it. */
  let skipUpTo: string | null = after;
  return {
    handed,
    deliver(message) {
      if (skipUpTo !== null) {
        // A heartbeat at the follower's own cursor still tells it that it is caught up (an
        // in-process feed's heartbeats carry the cursor of its last event).
        const order = compare(message.cursor, skipUpTo);
        if (order < 0 || (order === 0 && message.kind !== 'heartbeat')) return;
        skipUpTo = null;
      }
      try {
        onMessage(message);
      } catch (error) {
        end(error);
      }
    },
    end,
  };
}

export interface HandOut {
  /** Records a message the tail read; it is handed to the members from the next turn on. */
  push(message: FeedMessage): void;
  /** How many messages the tail has read: what a member joining now has had from the window. */
  readonly received: number;
  /** Hands every member all it has not had, now. */
  flush(): void;
}

/** How heartbeats are spread over time instead of handed to every member at once. */
export interface HeartbeatSpread {
  /** The longest a heartbeat's pass over the members may take. */
  maxMs: number;
  /** Monotonic ms. */
  now(): number;
}

/** A heartbeat's pass lasts at most this fraction of the time since the previous heartbeat. */
const SPREAD_SHARE_OF_GAP = 0.5;

/**
 * Hands what the tail reads to its members: `first` of them once the code that delivered the
 * message to the tail is done (a microtask), then `perTurn` per later turn of the event loop. Each member is handed every message it has not had, in
 * order, however many arrived meanwhile: a pass over the members that is overtaken by a newer
 * message hands it to the rest of that pass and then starts another for those already passed.
 *
 * A heartbeat (with `spread`) is not urgent: its pass hands it to `perTurn` members at a time,
 * the slices spaced evenly over half the time since the previous heartbeat (at most
 * `spread.maxMs`), so that thousands of writes are never due at once and an event never waits
 * behind them. Members keep their order from one pass to the next, so each still gets one
 * heartbeat per interval. An event that arrives meanwhile ends the spacing: the rest of the pass
 * (the heartbeat with the event) and then everyone else get it at full speed.
 */
export function createHandOut(
  members: Set<Member>,
  perTurn: number,
  first: number,
  spread?: HeartbeatSpread,
): HandOut {
  /** The messages some member may still need; pending[i] is message number base + i + 1. */
  let pending: FeedMessage[] = [];
  let base = 0;
  let received = 0;
  /** The members of the pass under way, and the count every member has after it. */
  let pass: Iterator<Member> | null = null;
  let passTarget = 0;
  let scheduled = false;
  /** The pass under way hands out heartbeats only, one slice per `sliceMs`, on this timer. */
  let paced: ReturnType<typeof setTimeout> | null = null;
  let sliceMs = 0;
  const slicing = spacing(spread, () => Math.ceil(members.size / perTurn));

  function catchUp(member: Member): void {
    while (member.handed < received && members.has(member)) {
      const message = pending[member.handed - base]!;
      member.handed++;
      member.deliver(message);
    }
    member.handed = received;
  }

  const nextTurn = () => turn(perTurn);
  const nextSlice = () => {
    paced = null;
    turn(perTurn);
  };
  const scheduleTurn = () => {
    if (sliceMs > 0) paced = setTimeout(nextSlice, sliceMs);
    else setImmediate(nextTurn);
  };

  function turn(budget: number): void {
    pass ??= members.values();
    for (let left = budget; left > 0; left--) {
      const next = pass.next();
      if (next.done) {
        pass = null;
        break;
      }
      catchUp(next.value);
    }
    if (pass) {
      scheduleTurn();
      return;
    }
    // Everyone has passTarget; anything newer arrived during the pass and needs another.
    pending = pending.slice(passTarget - base);
    base = passTarget;
    if (received > passTarget) {
      passTarget = received;
      scheduleTurn();
    } else scheduled = false;
  }

  return {
    push(message) {
      pending.push(message);
      received++;
      const sliceGap = message.kind === 'heartbeat' ? slicing() : 0;
      if (scheduled) {
        // An event overtakes a heartbeat's spaced pass: the rest of it goes now, at full speed.
        if (sliceGap === 0 && sliceMs > 0) {
          sliceMs = 0;
          if (paced) {
            clearTimeout(paced);
            paced = null;
            queueMicrotask(() => turn(first));
          }
        }
        return;
      }
      scheduled = true;
      passTarget = received;
      sliceMs = sliceGap;
      queueMicrotask(() => turn(sliceMs > 0 ? perTurn : first));
    },
    get received() {
      return received;
    },
    flush() {
      for (const member of [...members]) catchUp(member);
      if (paced) {
        clearTimeout(paced);
        paced = null;
        scheduled = false;
      }
      pass = null;
      pending = [];
      base = received;
      passTarget = received;
    },
  };
}

/**
 * How far apart the slices of the heartbeat arriving now go: its pass lasts half the time since the
 * previous heartbeat, at most `spread.maxMs`; 0 (full speed) without a spread, for the first
 * heartbeat (no interval to go by yet), or when it fits in one slice.
 */
function spacing(spread: HeartbeatSpread | undefined, slices: () => number): () => number {
  let last = Number.NaN;
  return () => {
    if (!spread) return 0;
    const now = spread.now();
    const gap = now - last;
    last = now;
    const count = slices();
    if (!(gap > 0) || count < 2) return 0;
    const ms = Math.min(spread.maxMs, gap * SPREAD_SHARE_OF_GAP) / count;
    return ms >= 1 ? ms : 0;
  };
}
