import { availableParallelism } from 'node:os';
import { FairPlaces } from './fair-places.ts';
import type { HashPermit, HashPurpose, PasswordHasher } from './password-hasher.ts';

export interface HashingLimits {
  /** Hashes running at once. Default: cores − 1, at least 1 (one core stays with the event loop). */
  concurrency?: number;
  /** Operations admitted beyond those hashing, waiting their turn. Default 16. */
  queue?: number;
  /** What a refusal tells the client to wait (`Retry-After`). Default 1 s. */
  retryAfterSeconds?: number;
  /** Called once per refused or displaced operation (a metric), before its `OverloadedError`. */
  onRejected?: (purpose: HashPurpose) => void;
}

export const DEFAULT_HASH_QUEUE = 16;

/** Cores − 1, at least 1: hashing never takes the core the event loop runs on. */
export function defaultHashConcurrency(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Bounds the hasher: at most `concurrency` hashes run, at most `queue` more operations wait, and
 * past that an operation is refused with `OverloadedError` (503 + Retry-After) before it reads or
 * writes anything. A login flood then costs the process at most `concurrency` cores and a bounded
 * wait, instead of starving every other route.
 *
 * An operation (a login, a registration) takes a place with `admit(purpose, keys)` and waits for
 * `permit.ready` before its first store read, so a refusal happens before any throttle counter,
 * session or token is touched, alike for known and unknown accounts; once started, its hashes wait
 * for a running slot but are never refused. A bare `hash()`/`verify()` admits itself.
 *
 * **Shared fairly across keys** (the client's address, the account: whatever the caller passes;
 * the server passes both for a login): at capacity, a newcomer whose keys hold fewer places than
 * the key holding the most, by two or more, displaces that key's newest waiting operation (which
 * fails with the same `OverloadedError`) instead of being refused; and the next operation to start
 * is the oldest of those whose keys have the fewest operations started. One source, or one
 * targeted account, can then fill the queue only while nobody else asks, and a newcomer starts
 * after at most about one hash per running slot. Operations admitted without keys share one key:
 * among them the order is first come, first served, as before keys.
 *
 * @example
 * const hasher = limitHasher(createArgon2Hasher(), { concurrency: 1, queue: 16 });
 * createAuth({ store, hasher });
 */
export function limitHasher(hasher: PasswordHasher, limits: HashingLimits = {}): PasswordHasher {
  const concurrency = limits.concurrency ?? defaultHashConcurrency();
  const queue = limits.queue ?? DEFAULT_HASH_QUEUE;
  const retryAfterSeconds = limits.retryAfterSeconds ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError('concurrency must be ≥ 1');
  if (!Number.isInteger(queue) || queue < 0) throw new TypeError('queue must be ≥ 0');
  if (!(retryAfterSeconds > 0)) throw new TypeError('retryAfterSeconds must be > 0');
  const capacity = concurrency + queue;
  // Operations started at once: one hashing per slot and one more per slot doing its reads before
  // (or its writes after) the hash, so a slot seldom waits for a store round trip.
  const places = new FairPlaces(
    capacity,
    Math.min(capacity, 2 * concurrency),
    retryAfterSeconds,
    limits.onRejected,
  );
  let running = 0;
  const slotQueue: (() => void)[] = [];

  async function inSlot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) await new Promise<void>((resolve) => slotQueue.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter (running stays the same), or frees up.
      const next = slotQueue.shift();
      if (next) next();
      else running--;
    }
  }

  const slotted: PasswordHasher = {
    hash: (password) => inSlot(() => hasher.hash(password)),
    verify: (encoded, password) => inSlot(() => hasher.verify(encoded, password)),
    needsRehash: (encoded) => hasher.needsRehash(encoded),
  };

  function admit(purpose: HashPurpose = 'other', keys: readonly string[] = []): HashPermit {
    const place = places.admit(purpose, keys);
    return {
      hasher: slotted,
      ...(place.ready ? { ready: place.ready } : {}),
      release: () => places.release(place),
    };
  }

  async function runAdmitted<T>(work: (inner: PasswordHasher) => Promise<T>): Promise<T> {
    const permit = admit();
    try {
      await permit.ready;
      return await work(permit.hasher);
    } finally {
      permit.release();
    }
  }

  return {
    hash: (password) => runAdmitted((inner) => inner.hash(password)),
    verify: (encoded, password) => runAdmitted((inner) => inner.verify(encoded, password)),
    needsRehash: (encoded) => hasher.needsRehash(encoded),
    admit,
  };
}

/**
 * Runs one hashing operation under a permit of `hasher` (when it is limited): throws
 * `OverloadedError` before `work` starts if it is at capacity, and frees the place when `work` ends.
 */
export async function withHashPermit<T>(
  hasher: PasswordHasher,
  purpose: HashPurpose,
  work: (hasher: PasswordHasher) => Promise<T>,
): Promise<T> {
  if (!hasher.admit) return work(hasher);
  const permit = hasher.admit(purpose);
  try {
    await permit.ready;
    return await work(permit.hasher);
  } finally {
    permit.release();
  }
}
