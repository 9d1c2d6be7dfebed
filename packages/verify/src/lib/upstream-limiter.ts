/**
 * The verifier's calls to its upstream (`validateSession` on a cache miss, `introspect` while the
 * feed is stale): each is a request to the auth server or the session store. Without a bound, one
 * request to the service made one upstream call at once, however many arrived: a client sending
 * fresh random session cookies, or every request of every verifier during a feed outage, became
 * as many concurrent requests to the auth server, on as many sockets.
 *
 * - The same credential asked about while a call for it is in flight or waiting joins that call
 *   (a page's parallel requests with a session not yet cached make one call, not one each).
 * - At most `maxConcurrent` calls run at once; up to `maxQueued` more wait their turn, first come
 *   first served; past that, the call is refused at once and the caller answers 503.
 */
export interface UpstreamLimits {
  maxConcurrent: number;
  maxQueued: number;
}

export const DEFAULT_UPSTREAM_LIMITS: UpstreamLimits = Object.freeze({ maxConcurrent: 32, maxQueued: 1000 });

/** A call let through: its answer, and whether it joined a call already made for the same key. */
export interface UpstreamCall<T> {
  answer: Promise<T>;
  /** Joined a call started earlier: it began before this caller did. */
  joined: boolean;
}

export interface UpstreamLimiter {
  /** Null: refused (every place taken, the queue full); the caller answers 503 without calling. */
  run<T>(key: string, call: () => Promise<T>): UpstreamCall<T> | null;
}

export function createUpstreamLimiter(limits: UpstreamLimits): UpstreamLimiter {
  const pending = new Map<string, Promise<unknown>>();
  const waiting: Array<() => void> = [];
  let running = 0;

  function next(): void {
    running--;
    const start = waiting.shift();
    if (start) start();
  }

  return {
    run<T>(key: string, call: () => Promise<T>): UpstreamCall<T> | null {
      const known = pending.get(key);
      if (known) return { answer: known as Promise<T>, joined: true };
      if (running >= limits.maxConcurrent && waiting.length >= limits.maxQueued) return null;
      const answer = new Promise<T>((resolve, reject) => {
        const start = () => {
          running++;
          // A call that throws synchronously settles like one that rejects.
          Promise.resolve()
            .then(call)
            .then(resolve, reject)
            .finally(() => {
              pending.delete(key);
              next();
            });
        };
        if (running < limits.maxConcurrent) start();
        else waiting.push(start);
      });
      pending.set(key, answer);
      return { answer, joined: false };
    },
  };
}
