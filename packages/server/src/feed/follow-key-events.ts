import type { FeedSource } from '@gatehouse/core';

export interface KeyEventFollower {
  stop(): void;
}

const RETRY_MS = 1_000;

/**
 * Follows the server's own revocation feed for `key` events (issue 10): a kid revoked by the CLI,
 * the admin API or another instance is dropped from this server's keyring at once, so it refuses
 * the tokens that kid signed too, not only the verifiers. Reconnects after a second on any error.
 */
export function followKeyEvents(
  source: FeedSource,
  onKey: (kid: string) => void,
  onError: (error: unknown) => void,
): KeyEventFollower {
  const stopping = new AbortController();
  const run = async () => {
    while (!stopping.signal.aborted) {
      try {
        const snapshot = await source.snapshot();
        for (const event of snapshot.events) if (event.type === 'key') onKey(event.kid);
        await source.follow(
          snapshot.cursor,
          (message) => {
            if (message.kind === 'event' && message.event.type === 'key') onKey(message.event.kid);
          },
          stopping.signal,
        );
      } catch (error) {
        if (!stopping.signal.aborted) onError(error);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
    }
  };
  void run();
  return { stop: () => stopping.abort() };
}
