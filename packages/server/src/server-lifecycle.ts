import type { FastifyInstance } from 'fastify';
import type { RevocationFeed } from './feed/open-revocation-feed.ts';
import type { Readiness } from './http/routes/health.ts';
import type { RedisPersistence } from './store/redis/redis-persistence.ts';

export const REDIS_WITHOUT_PERSISTENCE =
  'GATEHOUSE_STORE=redis on a Redis with neither AOF nor RDB: a Redis restart loses every account, session, signing key and revocation (revoked tokens would be accepted again). Enable appendonly, or use PostgreSQL with Redis for the feed only.';

/** How long `close` waits for requests in flight before it cuts their connections. */
export const SHUTDOWN_DRAIN_MS = 5_000;

export interface ServerCloser {
  close(): Promise<void>;
  shutdown(options?: { readinessDelayMs?: number }): Promise<void>;
}

/** `/readyz`: 503 once a shutdown began; the feed's pending events and Redis persistence in the body. */
export function readinessOf(
  closing: AbortSignal,
  feed: Pick<RevocationFeed, 'pending'>,
  redisPersistence: RedisPersistence | null,
): Readiness {
  return {
    shuttingDown: () => closing.aborted,
    detail: () => ({
      feedPending: feed.pending,
      ...(redisPersistence === null
        ? {}
        : {
            redisPersistence,
            ...(redisPersistence === 'none' ? { warning: REDIS_WITHOUT_PERSISTENCE } : {}),
          }),
    }),
  };
}

/**
 * `close` (idempotent): requests in flight finish, a client that holds its connection past the
 * drain loses it. `shutdown`: `/readyz` says 503 at once, the server serves on for
 * `readinessDelayMs`, then closes.
 */
export function closerFor(built: FastifyInstance, closing: AbortController): ServerCloser {
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing.abort();
      const cutOff = setTimeout(() => built.server.closeAllConnections(), SHUTDOWN_DRAIN_MS);
      cutOff.unref();
      try {
        await built.close();
      } finally {
        clearTimeout(cutOff);
      }
    })();
    return closed;
  };
  return {
    close,
    async shutdown({ readinessDelayMs = 0 } = {}) {
      closing.abort();
      if (readinessDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, readinessDelayMs));
      await close();
    },
  };
}
