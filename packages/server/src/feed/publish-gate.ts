/**
 * The longest the shared tail holds its hand-out for a publish of this process: far more than the
 * reply to a publish the tail has already read takes to come in (Redis writes both in one go), so
 * it only bounds a publish that hangs; its event still reaches the followers.
 */
export const MAX_HOLD_MS = 10;

/**
 * What this process is publishing, as its shared tail sees it. A request that publishes a
 * revocation (a revoke call: store write, XADD, answer) answers before the tail hands that event
 * to any follower: over Redis the tail's XREAD reply arrives just before the XADD's own reply, and
 * handing the event to followers first put socket writes (and, with thousands of followers, a
 * whole turn of them) in front of the call's answer. With a publish under way the tail waits until
 * it has settled, and then one turn more, so the code that awaited it (the answer) runs first.
 */
export interface PublishGate {
  /** Calls `publish`, which counts as under way until the promise it returns settles. */
  run<T>(publish: () => Promise<T>): Promise<T>;
  /**
   * False when no publish is under way (the caller goes on as it would have). Otherwise true, and
   * `then` is called on a later turn of the event loop, once every publish under way now has
   * settled (those begun later are not waited for) or after `MAX_HOLD_MS`, whichever is first.
   */
  hold(then: () => void): boolean;
}

export function createPublishGate(maxHoldMs = MAX_HOLD_MS): PublishGate {
  const underway = new Set<Promise<void>>();
  return {
    run(publish) {
      let settle!: () => void;
      const settled = new Promise<void>((resolve) => {
        settle = resolve;
      });
      // Under way before `publish` starts: an in-process feed hands the event to the tail at once.
      underway.add(settled);
      const done = () => {
        underway.delete(settled);
        settle();
      };
      try {
        const published = publish();
        published.then(done, done);
        return published;
      } catch (error) {
        done();
        throw error;
      }
    },
    hold(then) {
      if (underway.size === 0) return false;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        clearTimeout(timer);
        // A turn later: the code awaiting the publish runs on through its microtasks first.
        setImmediate(then);
      };
      const timer = setTimeout(release, maxHoldMs);
      void Promise.all(underway).then(release);
      return true;
    },
  };
}
