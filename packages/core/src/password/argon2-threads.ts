import { createArgon2Threads } from './argon2-pool.ts';
import type { Argon2ThreadInfo, Argon2ThreadsOptions } from './argon2-thread-options.ts';
import {
  type Argon2Params,
  createArgon2HasherOn,
  defaultArgon2Params,
  type PasswordHasher,
} from './password-hasher.ts';

export type { Argon2ThreadInfo, Argon2ThreadsOptions } from './argon2-thread-options.ts';

/** A password hasher on worker threads; `close` ends them (on server shutdown). */
export interface ThreadedPasswordHasher extends PasswordHasher {
  threads(): Promise<Argon2ThreadInfo[]>;
  close(): Promise<void>;
}

/**
 * `createArgon2Hasher` with the tags computed on `threads` worker threads at the lowest OS priority
 * (Linux: nice 19, and SCHED_IDLE where util-linux `chrt` is installed): the event loop's thread
 * preempts hashing, so a login flood slows logins more than the other routes. Where every core is
 * busy with other work, such a thread gets almost no CPU: a hash it is starved on for
 * `rescueAfterMs` (500) is also started on a rescue thread at nice 10, and the first result answers. Same PHC
 * strings: hashes made by either hasher verify with the other. Pair it with `limitHasher`
 * (concurrency = threads) to bound what waits.
 *
 * @example
 * const hasher = createThreadedArgon2Hasher(defaultArgon2Params, { threads: 1 });
 * createAuth({ store, hasher: limitHasher(hasher, { concurrency: 1 }) });
 * // on shutdown: await hasher.close();
 */
export function createThreadedArgon2Hasher(
  params: Argon2Params = defaultArgon2Params,
  options: Argon2ThreadsOptions = {},
): ThreadedPasswordHasher {
  const pool = createArgon2Threads(options);
  const hasher = createArgon2HasherOn(pool.derive, params);
  return { ...hasher, threads: pool.threads, close: pool.close };
}
