import { availableParallelism } from 'node:os';
import { OverloadedError } from '../errors.ts';
import type { HashPermit, HashPurpose, PasswordHasher } from './password-hasher.ts';

export interface HashingLimits {
  /** Hashes running at once. Default: cores − 1, at least 1 (one core stays with the event loop). */
  concurrency?: number;
  /** Operations admitted beyond those hashing, waiting their turn. Default 16. */
  queue?: number;
  /** What a refusal tells the client to wait (`Retry-After`). Default 1 s. */
  retryAfterSeconds?: number;
  /** Called once per refused operation (a metric), before `OverloadedError` is thrown. */
  onRejected?: (purpose: HashPurpose) => void;
}

export const DEFAULT_HASH_QUEUE = 16;

/** Cores − 1, at least 1: hashing never takes the core the event loop runs on. */
export function defaultHashConcurrency(): number {
  return Math.max(1, availableParallelism() - 1);
}

/**
 * Bounds the hasher: at most `concurrency` hashes run, at most `queue` more operations wait, and
 * past that an operation is refused at once with `OverloadedError` (503 + Retry-After), before it
 * reads or writes anything. A login flood then costs the process at most `concurrency` cores and a
 * bounded wait, instead of starving every other route.
 *
 * An operation (a login, a registration) takes a place with `admit()` before its first store read,
 * so the refusal happens before any throttle counter, session or token is touched, alike for known
 * and unknown accounts; its hashes then wait for a running slot but are never refused. A bare
 * `hash()`/`verify()` admits itself.
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
  let admitted = 0;
  let running = 0;
  const waiting: (() => void)[] = [];

  async function inSlot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter (running stays the same), or frees up.
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  const slotted: PasswordHasher = {
    hash: (password) => inSlot(() => hasher.hash(password)),
    verify: (encoded, password) => inSlot(() => hasher.verify(encoded, password)),
    needsRehash: (encoded) => hasher.needsRehash(encoded),
  };

  function admit(purpose: HashPurpose = 'other'): HashPermit {
    if (admitted >= capacity) {
      limits.onRejected?.(purpose);
      throw new OverloadedError(retryAfterSeconds);
    }
    admitted++;
    let released = false;
    return {
      hasher: slotted,
      release() {
        if (released) return;
        released = true;
        admitted--;
      },
    };
  }

  async function runAdmitted<T>(work: (inner: PasswordHasher) => Promise<T>): Promise<T> {
    const permit = admit();
    try {
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
    return await work(permit.hasher);
  } finally {
    permit.release();
  }
}
