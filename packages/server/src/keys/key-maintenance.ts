import type { Keyring } from '@gatehouse/core';

export interface KeyMaintenanceOptions {
  keyring: Pick<Keyring, 'ensureActiveKey' | 'pruneRetired' | 'refreshIfStale'>;
  /** A failed run is reported here and retried at the next tick; it never stops the server. */
  onError: (error: unknown) => void;
  /** How often to pick up keys other instances rotated to (the keyring reloads when its view is older than its refresh interval). Default 30 s. */
  refreshEveryMs?: number;
  /** How often to rotate an old key and drop retired ones. Default 1 hour. */
  maintainEveryMs?: number;
  /**
   * Run at every refresh tick, after the reload: makes the keyring follow the store's active key and
   * creates one when the store has none (its keys vanished: a Redis store restarted empty), rather
   * than at the hourly check. See `followStoredSigningKey`.
   */
  followStore?: () => Promise<void>;
}

export interface KeyMaintenance {
  stop(): void;
}

/**
 * Background upkeep of the signing keys: hourly rotation when the active key is due and pruning of
 * retired keys past retention, and a frequent reload so that a key rotated or revoked by another
 * instance (or the CLI) is seen here too. The timers are unref'd: they never keep the process alive.
 */
export function startKeyMaintenance(options: KeyMaintenanceOptions): KeyMaintenance {
  const { keyring, onError, refreshEveryMs = 30_000, maintainEveryMs = 60 * 60_000 } = options;
  const run = (task: () => Promise<unknown>) => () => {
    task().catch(onError);
  };
  const timers = [
    setInterval(
      run(async () => {
        await keyring.refreshIfStale();
        await options.followStore?.();
      }),
      refreshEveryMs,
    ),
    setInterval(
      run(async () => {
        await keyring.ensureActiveKey();
        await keyring.pruneRetired();
      }),
      maintainEveryMs,
    ),
  ];
  for (const timer of timers) timer.unref();
  return {
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
