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

/**
 * Hands what the tail reads to its members: `first` of them once the code that delivered the
 * message to the tail is done (a microtask), then `perTurn` per later turn of the event loop. Each member is handed every message it has not had, in
 * order, however many arrived meanwhile: a pass over the members that is overtaken by a newer
 * message hands it to the rest of that pass and then starts another for those already passed.
 */
export function createHandOut(members: Set<Member>, perTurn: number, first: number): HandOut {
  /** The messages some member may still need; pending[i] is message number base + i + 1. */
  let pending: FeedMessage[] = [];
  let base = 0;
  let received = 0;
  /** The members of the pass under way, and the count every member has after it. */
  let pass: Iterator<Member> | null = null;
  let passTarget = 0;
  let scheduled = false;

  function catchUp(member: Member): void {
    while (member.handed < received && members.has(member)) {
      const message = pending[member.handed - base]!;
      member.handed++;
      member.deliver(message);
    }
    member.handed = received;
  }

  const nextTurn = () => turn(perTurn);

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
      setImmediate(nextTurn);
      return;
    }
    // Everyone has passTarget; anything newer arrived during the pass and needs another.
    pending = pending.slice(passTarget - base);
    base = passTarget;
    if (received > passTarget) {
      passTarget = received;
      setImmediate(nextTurn);
    } else scheduled = false;
  }

  return {
    push(message) {
      pending.push(message);
      received++;
      if (scheduled) return;
      scheduled = true;
      passTarget = received;
      queueMicrotask(() => turn(first));
    },
    get received() {
      return received;
    },
    flush() {
      for (const member of [...members]) catchUp(member);
      pass = null;
      pending = [];
      base = received;
      passTarget = received;
    },
  };
}
