import { OverloadedError } from '../errors.ts';
import type { HashPurpose } from './password-hasher.ts';

/** Held places per key, and the keys holding the most, kept as counts change by one. */
class KeyCounts {
  readonly #count = new Map<string, number>();
  readonly #keysAt = new Map<number, Set<string>>();
  #max = 0;

  get(key: string): number {
    return this.#count.get(key) ?? 0;
  }

  get max(): number {
    return this.#max;
  }

  keysAt(count: number): ReadonlySet<string> {
    return this.#keysAt.get(count) ?? new Set();
  }

  /** The most any of `keys` holds. */
  most(keys: readonly string[]): number {
    let most = 0;
    for (const key of keys) most = Math.max(most, this.get(key));
    return most;
  }

  add(key: string, delta: 1 | -1): number {
    const before = this.get(key);
    const after = before + delta;
    if (before > 0) {
      const set = this.#keysAt.get(before)!;
      set.delete(key);
      if (set.size === 0) this.#keysAt.delete(before);
    }
    if (after > 0) {
      const set = this.#keysAt.get(after) ?? new Set<string>();
      this.#keysAt.set(after, set.add(key));
      this.#count.set(key, after);
    } else this.#count.delete(key);
    if (after > this.#max) this.#max = after;
    else if (before === this.#max && !this.#keysAt.has(before)) this.#max = after;
    return after;
  }
}

/** One admitted operation. */
export interface Place {
  readonly keys: readonly string[];
  readonly purpose: HashPurpose;
  /** `waiting`: admitted, not started (may be displaced); `started`; `done`: released or displaced. */
  state: 'waiting' | 'started' | 'done';
  /** Set while waiting: resolves when started, rejects with `OverloadedError` when displaced. */
  ready?: Promise<void>;
  start?: () => void;
  displace?: (error: OverloadedError) => void;
}

/** The key of operations admitted without one (a bare `hash()`, a caller without an address). */
const NO_KEY = '';
const NO_KEYS: readonly string[] = [NO_KEY];

/**
 * `keys` without repeats, in order; `[NO_KEY]` for none. A loop rather than `[...new Set(keys)]`,
 * which costs ~8k instructions for the two keys of a login (a Set, its iterator and a spread).
 */
function distinctKeys(keys: readonly string[]): string[] {
  if (keys.length === 0) return [NO_KEY];
  const distinct: string[] = [];
  for (const key of keys) if (!distinct.includes(key)) distinct.push(key);
  return distinct;
}

/**
 * The places of a bounded hasher, shared fairly across keys (see `limitHasher`): `capacity` places
 * in all, `startedLimit` of them started at once, the rest waiting in admission order.
 */
export class FairPlaces {
  readonly #capacity: number;
  readonly #startedLimit: number;
  readonly #retryAfterSeconds: number;
  readonly #onRejected: ((purpose: HashPurpose) => void) | undefined;
  #started = 0;
  /** Waiting places, in admission order. */
  readonly #waiting: Place[] = [];
  /** Per key: its waiting places in admission order (pruned lazily of those no longer waiting). */
  readonly #waitingOf = new Map<string, Place[]>();
  readonly #held = new KeyCounts();
  readonly #startedBy = new Map<string, number>();

  constructor(
    capacity: number,
    startedLimit: number,
    retryAfterSeconds: number,
    onRejected?: (purpose: HashPurpose) => void,
  ) {
    this.#capacity = capacity;
    this.#startedLimit = startedLimit;
    this.#retryAfterSeconds = retryAfterSeconds;
    this.#onRejected = onRejected;
  }

  /**
   * A place for one operation, started at once or waiting its turn; at capacity it displaces the
   * newest waiting place of a key holding at least two more than any of `keys`, else it throws
   * `OverloadedError`. Every refusal and displacement is reported to `onRejected`.
   */
  admit(purpose: HashPurpose, keys: readonly string[]): Place {
    // Every admitted place is either started or waiting. A refusal is decided before the place is
    // built: during a flood most operations are refused, and the most any key holds is the same
    // with duplicates as without.
    if (this.#started + this.#waiting.length >= this.#capacity) {
      const victim = this.#displaceable(this.#held.most(keys.length === 0 ? NO_KEYS : keys));
      if (!victim) {
        this.#onRejected?.(purpose);
        throw new OverloadedError(this.#retryAfterSeconds);
      }
      this.#leave(victim);
      this.#onRejected?.(victim.purpose);
      victim.displace!(new OverloadedError(this.#retryAfterSeconds));
    }
    const place: Place = { keys: distinctKeys(keys), purpose, state: 'waiting' };
    for (const key of place.keys) this.#held.add(key, 1);
    if (this.#started < this.#startedLimit && this.#waiting.length === 0) this.#begin(place);
    else this.#enqueue(place);
    return place;
  }

  /** Gives the place back (idempotent) and starts whichever waits next. */
  release(place: Place): void {
    if (place.state === 'done') return;
    this.#leave(place);
    this.#startNext();
  }

  #enqueue(place: Place): void {
    place.ready = new Promise<void>((resolve, reject) => {
      place.start = resolve;
      place.displace = reject;
    });
    // Whoever holds the permit awaits it; a permit dropped unawaited must not crash the process.
    place.ready.catch(() => {});
    this.#waiting.push(place);
    for (const key of place.keys) {
      const list = this.#waitingOf.get(key) ?? [];
      list.push(place);
      // Kept near its live length: places started out of order stay until pruned.
      this.#waitingOf.set(
        key,
        list.length > 2 * this.#held.get(key) + 16 ? list.filter((p) => p.state === 'waiting') : list,
      );
    }
    this.#startNext();
  }

  #begin(place: Place): void {
    place.state = 'started';
    this.#started++;
    for (const key of place.keys) this.#startedBy.set(key, (this.#startedBy.get(key) ?? 0) + 1);
  }

  /** The most operations started by any of the place's keys. */
  #startedLoad(place: Place): number {
    let load = 0;
    for (const key of place.keys) load = Math.max(load, this.#startedBy.get(key) ?? 0);
    return load;
  }

  /** Starts waiting places while there is room: the oldest of those whose keys have the fewest started. */
  #startNext(): void {
    while (this.#started < this.#startedLimit && this.#waiting.length > 0) {
      let best = 0;
      let bestLoad = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.#waiting.length && bestLoad > 0; i++) {
        const load = this.#startedLoad(this.#waiting[i]!);
        if (load < bestLoad) {
          best = i;
          bestLoad = load;
        }
      }
      const [place] = this.#waiting.splice(best, 1);
      this.#begin(place!);
      place!.start!();
    }
  }

  #leave(place: Place): void {
    const wasStarted = place.state === 'started';
    if (place.state === 'waiting') {
      const index = this.#waiting.indexOf(place);
      if (index !== -1) this.#waiting.splice(index, 1);
    }
    place.state = 'done';
    if (wasStarted) this.#started--;
    for (const key of place.keys) {
      if (wasStarted) {
        const count = (this.#startedBy.get(key) ?? 1) - 1;
        if (count === 0) this.#startedBy.delete(key);
        else this.#startedBy.set(key, count);
      }
      if (this.#held.add(key, -1) === 0) this.#waitingOf.delete(key);
    }
  }

  /** The newest waiting place of `key`, if any (dropping those no longer waiting). */
  #newestWaiting(key: string): Place | undefined {
    const list = this.#waitingOf.get(key);
    while (list && list.length > 0) {
      const last = list[list.length - 1]!;
      if (last.state === 'waiting') return last;
      list.pop();
    }
    return undefined;
  }

  /** At capacity: the waiting place a newcomer whose keys hold `own` places may displace, if any. */
  #displaceable(own: number): Place | undefined {
    for (let count = this.#held.max; count > own + 1; count--) {
      for (const key of this.#held.keysAt(count)) {
        const victim = this.#newestWaiting(key);
        if (victim) return victim;
      }
    }
    return undefined;
  }
}
