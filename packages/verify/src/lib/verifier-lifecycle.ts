import type { FeedFollower } from './feed-follower.ts';
import type { JwksKeys } from './jwks-keys.ts';

/** A verifier's start (keys and feed together, retryable) and stop. */
export function createLifecycle(keys: JwksKeys, follower: FeedFollower) {
  let started: Promise<void> | undefined;

  async function startOnce(): Promise<void> {
    // Both settle before judging, so a failure never leaves the other half running unseen.
    const outcomes = await Promise.allSettled([keys.load(), follower.start()]);
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (!failure) return;
    // Half a start (keys but no feed, or the reverse) is no start: undo it so start() can be retried.
    await follower.stop();
    started = undefined;
    throw failure.reason;
  }

  return {
    start(): Promise<void> {
      started ??= startOnce();
      return started;
    },

    async stop(): Promise<void> {
      started = undefined;
      await follower.stop();
    },
  };
}
