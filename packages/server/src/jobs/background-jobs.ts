import {
  type Auth,
  type AuthDeps,
  type GatehouseStore,
  type Keyring,
  type RevocationEvent,
  systemClock,
} from '@gatehouse/core';
import type { FastifyBaseLogger } from 'fastify';
import { startAuditRetention } from './audit-retention.ts';
import type { GatehouseConfig } from '../config.ts';
import { startExpiredSweep } from './expired-sweep.ts';
import { followKeyEvents } from '../feed/follow-key-events.ts';
import type { RevocationFeed } from '../feed/open-revocation-feed.ts';
import { startKeyMaintenance } from '../keys/key-maintenance.ts';
import { publishDroppedKeys, trackDroppedKeys } from '../keys/key-revocation-events.ts';
import { followStoredSigningKey } from '../keys/signing-key-guard.ts';

export interface BackgroundJobsOptions {
  config: Pick<GatehouseConfig, 'store' | 'accessTokenTtlSeconds' | 'auditRetentionDays'>;
  store: GatehouseStore;
  keyring: Keyring;
  auth: Pick<Auth, 'publishRevocations'>;
  /** The clock and audit log `auth` was built with. */
  authDeps: Pick<AuthDeps, 'clock' | 'audit'>;
  feed: Pick<RevocationFeed, 'source'>;
  log: FastifyBaseLogger;
}

export interface BackgroundJobs {
  /** See `DroppedKeys.lostFromStore`: what the revocation feed adds when it is seeded again. */
  lostKeys(): Promise<RevocationEvent[]>;
  stop(): void;
}

/**
 * What a listening server runs beside the requests: signing-key upkeep (announcing dropped keys on
 * the feed), reloading keys other instances revoke, the expired-record sweep and audit retention.
 * Each reports its failures to the log and carries on.
 */
export function startBackgroundJobs(options: BackgroundJobsOptions): BackgroundJobs {
  const { config, store, keyring, auth, authDeps, feed, log } = options;
  const dropped = trackDroppedKeys(
    keyring,
    store.keys,
    { auth, clock: authDeps.clock },
    config.accessTokenTtlSeconds * 1000,
  );
  const maintenance = startKeyMaintenance({
    keyring: publishDroppedKeys(keyring, dropped),
    onError: (error) => log.error({ err: error }, 'signing-key maintenance failed'),
    // A key the store lost is dropped by the reload here (or by the one before a token is signed):
    // announced either way, at this tick at the latest.
    followStore: async () => {
      await followStoredSigningKey(keyring, store.keys);
      await dropped.announce();
    },
    // With the Redis store, keys can vanish (Redis restarted empty): look every few seconds.
    ...(config.store === 'redis' ? { refreshEveryMs: 5_000 } : {}),
  });
  const keyEvents = followKeyEvents(
    feed.source,
    (kid) => {
      if (keyring.getVerificationKey(kid) === null) return;
      keyring.reload().catch((error: unknown) => log.error({ err: error }, 'signing-key reload failed'));
    },
    (error) => log.debug({ err: error }, 'key-event follower reconnecting'),
  );
  const sweep = startExpiredSweep({
    store,
    clock: systemClock,
    onError: (error) => log.error({ err: error }, 'expired-record sweep failed'),
  });
  const retention = startAuditRetention({
    audit: store.audit,
    log: authDeps.audit,
    retentionDays: config.auditRetentionDays,
    clock: authDeps.clock,
    onError: (error) => log.error({ err: error }, 'audit retention failed'),
  });
  return {
    lostKeys: () => dropped.lostFromStore(),
    stop() {
      maintenance.stop();
      keyEvents.stop();
      retention.stop();
      sweep.stop();
    },
  };
}
