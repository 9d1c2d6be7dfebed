/**
 * Revocation events, as carried by the feed (docs/design.md §5). `until` is the latest `exp` a token the
 * event covers can carry, so every entry expires by itself.
 */
export type RevocationEvent =
  | { type: 'session'; sid: string; sub: string; until: number }
  | { type: 'user'; sub: string; before: number; until: number }
  | { type: 'token'; jti: string; until: number }
  | { type: 'key'; kid: string; until: number };

/** Where the core announces revocations; the feed (in-process, Redis Streams, SSE) implements it. */
export interface RevocationPublisher {
  publish(events: RevocationEvent[]): Promise<void>;
}

export const noRevocationPublisher: RevocationPublisher = { publish: async () => {} };
