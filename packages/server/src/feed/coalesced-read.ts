/**
 * `read`, shared by the callers that ask while one is in flight, without ever answering a caller
 * with a read that began before it asked: a caller that arrives while a read is in flight waits for
 * the next one, which begins as soon as that one settles and answers everyone who arrived
 * meanwhile. A burst of any size costs at most two reads at a time, and every answer is at least
 * as new as its question, so a snapshot still holds every revocation whose call returned before
 * the request for it arrived.
 *
 * @example
 * const snapshot = coalescedRead(() => feed.snapshot());
 * await Promise.all([snapshot(), snapshot(), snapshot()]); // two reads, not three
 */
export function coalescedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let current: Promise<T> | null = null;
  let next: Promise<T> | null = null;

  function begin(): Promise<T> {
    const reading = Promise.resolve().then(read);
    current = reading;
    const settled = () => {
      if (current === reading) current = null;
    };
    reading.then(settled, settled);
    return reading;
  }

  return () => {
    if (current === null) return begin();
    if (next === null) {
      next = current.then(nothing, nothing).then(() => {
        next = null;
        return begin();
      });
    }
    return next;
  };
}

function nothing(): void {}
