/**
 * Resolves once the event loop has polled for I/O: other requests that arrived meanwhile run
 * first. An await on a store call that answers synchronously (the SQLite driver) does not do that:
 * a chain of them runs as one uninterrupted microtask run. Two `setImmediate` hops: an immediate
 * queued from an I/O callback (the poll phase: a hash thread's answer, a request) runs in the same
 * turn's check phase, before the next poll; one queued from the check phase runs after it.
 */
export function nextEventLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}
