import {
  type Auth,
  type AuthDeps,
  createAuthDeps,
  createAuthFromDeps,
  type GatehouseStore,
  systemClock,
} from '@gatehouse/core';
import type { GatehouseConfig } from '../config.ts';
import { openRevocationFeed, type RevocationFeed } from '../feed/open-revocation-feed.ts';
import { sessionPolicyFrom } from '../session-policy.ts';
import { openStore } from '../store/open-store.ts';

/** The auth operations for one command, with the store, clock, audit log and policies they use. */
export interface CliAuth
  extends Pick<AuthDeps, 'clock' | 'random' | 'audit' | 'sessionPolicy' | 'passwordPolicy'> {
  auth: Auth;
  /** The store `auth` runs on, for reads (lists, lookups); every change goes through `auth` and the admin operations. */
  store: GatehouseStore;
  /**
   * True when revocations reach verifiers (Redis Streams, REDIS_URL). Without Redis the feed lives
   * inside each running server, which a CLI process cannot reach: servers still refuse revoked
   * sessions at once (they read the store), but verifiers keep tokens they cached until expiry.
   */
  feedReachesVerifiers: boolean;
}

const CLI_PUBLISH_TIMEOUT_MS = 5_000;

/**
 * Opens the configured store (and, with REDIS_URL, the shared revocation feed) for one CLI
 * command, with the server's session policy, and closes both afterwards.
 */
export async function withCliAuth<T>(config: GatehouseConfig, use: (cli: CliAuth) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  let feed: RevocationFeed | undefined;
  try {
    if (config.redisUrl) {
      // Publish only: the running servers heartbeat and reseed. Revocations are recorded in the
      // durable store first, and the command waits (below) until they are on the feed.
      feed = await openRevocationFeed(
        config,
        systemClock,
        { onError: () => {}, heartbeats: false },
        store.revocations,
        store.revocationOutbox,
      );
    }
    const deps = createAuthDeps({
      store,
      ...(feed ? { revocations: feed.publisher } : {}),
      sessionPolicy: sessionPolicyFrom(config),
    });
    const { clock, random, audit, sessionPolicy, passwordPolicy } = deps;
    const result = await use({
      auth: createAuthFromDeps(deps),
      store,
      clock,
      random,
      audit,
      sessionPolicy,
      passwordPolicy,
      feedReachesVerifiers: feed !== undefined,
    });
    // A failed publish fails the command (the revocation is in the database; rerun it when Redis is back).
    await feed?.flush(CLI_PUBLISH_TIMEOUT_MS);
    return result;
  } finally {
    await feed?.close();
    await store.close();
  }
}
