import type { Clock } from '../clock.ts';
import { toBase64Url } from '../lib/encoding.ts';
import { type RandomSource, systemRandom } from '../random.ts';
import { FeedCursorExpiredError, type FeedMessage, type FeedSnapshot, type FeedSource } from './feed.ts';
import type { RevocationEvent, RevocationPublisher } from './revocation-event.ts';
import { createRevocationSet } from './revocation-set.ts';

export interface InProcessFeedOptions {
  clock: Clock;
  /** Followers get a heartbeat this often (real time). 0 disables the timer; call `heartbeat()` instead. */
  heartbeatMs?: number;
  /** How many recent events stay replayable by cursor. Default 10 000. */
  logCapacity?: number;
  /** Passed to the snapshot's revocation set; see `RevocationSetOptions.retainAfterUntilMs`. */
  retainAfterUntilMs?: number;
  random?: RandomSource;
}

export interface InProcessFeed extends RevocationPublisher, FeedSource {
  /** Sends a heartbeat to every follower now. */
  heartbeat(): void;
  /** The cursor of the latest event (what a heartbeat carries). */
  readonly head: string;
  /** Whether `follow` could resume from `cursor` now: this feed's, and not trimmed from the log. */
  canResume(cursor: string): boolean;
  /**
   * The events after `cursor` and the head, as `follow` would replay them; null when it could not
   * (see `canResume`) or when they are more than `limit`.
   */
  changesSince(cursor: string, limit: number): FeedSnapshot | null;
  readonly followers: number;
  /** Ends every follower's connection (their `follow` resolves) and stops the heartbeat timer. */
  close(): void;
}

interface Follower {
  deliver(message: FeedMessage): void;
  end(error?: unknown): void;
}

function readFeedOptions(options: InProcessFeedOptions): { heartbeatMs: number; logCapacity: number } {
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const logCapacity = options.logCapacity ?? 10_000;
  if (!Number.isFinite(heartbeatMs) || heartbeatMs < 0) throw new TypeError('heartbeatMs must be >= 0');
  if (!Number.isInteger(logCapacity) || logCapacity < 1) throw new TypeError('logCapacity must be >= 1');
  return { heartbeatMs, logCapacity };
}

/** The sequence number in a cursor `epoch.sequence` of this epoch; null for any other text. */
function sequenceIn(cursor: string, epoch: string): number | null {
  const dot = cursor.lastIndexOf('.');
  if (dot < 0 || cursor.slice(0, dot) !== epoch) return null;
  const digits = cursor.slice(dot + 1);
  if (!/^\d{1,15}$/.test(digits)) return null;
  return Number(digits);
}

/**
 * A follower, added to `followers` until it ends: by `signal`, or when `onMessage` throws (a
 * consumer that throws loses its connection, as it would over a network); `onEnd` is told once.
 */
function addFollower(
  followers: Set<Follower>,
  onMessage: (message: FeedMessage) => void,
  signal: AbortSignal,
  onEnd: (error?: unknown) => void,
): Follower {
  const follower: Follower = {
    deliver(message) {
      try {
        onMessage(message);
      } catch (error) {
        follower.end(error);
      }
    },
    end(error) {
      if (!followers.delete(follower)) return;
      signal.removeEventListener('abort', onAbort);
      onEnd(error);
    },
  };
  const onAbort = () => follower.end();
  signal.addEventListener('abort', onAbort, { once: true });
  followers.add(follower);
  return follower;
}

/** Runs `beat` every `intervalMs` while there are followers; 0 never runs it. */
function createHeartbeatTimer(intervalMs: number, beat: () => void): { update(followers: number): void } {
  let timer: ReturnType<typeof setInterval> | undefined;
  return {
    update(followers) {
      if (followers > 0 && intervalMs > 0 && !timer) {
        timer = setInterval(beat, intervalMs);
        // Heartbeats alone must not keep a process alive that has nothing else to do.
        (timer as { unref?: () => void }).unref?.(); // Deno and workerd timers are plain numbers
      } else if (followers === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    },
  };
}

/**
 * The embedded-mode feed: one object the core publishes into and verifiers in the same process
 * follow. Cursors are `epoch.sequence`; the random epoch makes a cursor from another instance (say,
 * before a restart) fail loudly instead of resuming at the wrong place.
 *
 * @example
 * const feed = createInProcessFeed({ clock: systemClock });
 * const auth = createAuth({ store, revocations: feed });
 * const verifier = createVerifier({ issuer, audience, algorithms: ['ES256'], jwks, feed });
 */
export function createInProcessFeed(options: InProcessFeedOptions): InProcessFeed {
  const { clock } = options;
  const { heartbeatMs, logCapacity } = readFeedOptions(options);
  const epoch = toBase64Url((options.random ?? systemRandom).bytes(9));
  const live = createRevocationSet({ clock, retainAfterUntilMs: options.retainAfterUntilMs });
  // log[i] has sequence number firstSeq + i; sequence numbers start at 1, 0 means "before everything".
  let log: RevocationEvent[] = [];
  let firstSeq = 1;
  let headSeq = 0;
  const followers = new Set<Follower>();
  const heartbeats = createHeartbeatTimer(heartbeatMs, heartbeat);

  const cursorOf = (seq: number) => `${epoch}.${seq}`;

  /** The sequence number to resume after, or null when the log cannot replay from there. */
  function resumePoint(cursor: string): number | null {
    const seq = sequenceIn(cursor, epoch);
    return seq !== null && seq >= firstSeq - 1 && seq <= headSeq ? seq : null;
  }

  function trim(): void {
    // Trim in batches so publishing stays amortised O(1) instead of shifting on every event.
    if (log.length <= logCapacity + Math.ceil(logCapacity / 4)) return;
    const drop = log.length - logCapacity;
    log = log.slice(drop);
    firstSeq += drop;
  }

  function broadcast(message: FeedMessage): void {
    for (const follower of followers) follower.deliver(message);
  }

  function heartbeat(): void {
    broadcast({ kind: 'heartbeat', cursor: cursorOf(headSeq), at: clock.now() });
  }

  return {
    async publish(events) {
      for (const event of events) {
        live.apply(event);
        log.push(event);
        headSeq++;
        broadcast({ kind: 'event', cursor: cursorOf(headSeq), event });
      }
      trim();
    },

    async snapshot() {
      return { events: live.snapshot(), cursor: cursorOf(headSeq) };
    },

    follow(cursor, onMessage, signal) {
      if (signal.aborted) return Promise.resolve();
      const after = resumePoint(cursor);
      if (after === null) return Promise.reject(new FeedCursorExpiredError());
      return new Promise<void>((resolve, reject) => {
        const follower = addFollower(followers, onMessage, signal, (error) => {
          heartbeats.update(followers.size);
          if (error === undefined) resolve();
          else reject(error);
        });
        heartbeats.update(followers.size);
        for (let seq = after + 1; seq <= headSeq && followers.has(follower); seq++) {
          follower.deliver({ kind: 'event', cursor: cursorOf(seq), event: log[seq - firstSeq]! });
        }
        // Tells the follower at once that it is caught up, so it need not wait a full interval.
        if (followers.has(follower))
          follower.deliver({ kind: 'heartbeat', cursor: cursorOf(headSeq), at: clock.now() });
      });
    },

    heartbeat,

    get head() {
      return cursorOf(headSeq);
    },

    canResume: (cursor) => resumePoint(cursor) !== null,

    changesSince(cursor, limit) {
      const after = resumePoint(cursor);
      if (after === null || headSeq - after > limit) return null;
      return { events: log.slice(after + 1 - firstSeq, headSeq + 1 - firstSeq), cursor: cursorOf(headSeq) };
    },

    get followers() {
      return followers.size;
    },

    close() {
      for (const follower of [...followers]) follower.end();
    },
  };
}
