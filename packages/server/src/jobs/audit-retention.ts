import type { AuditLog, AuditStore, Clock } from '@gatehouse/core';

const DAY_MS = 24 * 60 * 60_000;

export interface AuditRetentionOptions {
  audit: Pick<AuditStore, 'deleteBefore'>;
  /** Where the pruning itself is recorded, so a gap in the log is never unexplained. */
  log: Pick<AuditLog, 'record'>;
  retentionDays: number;
  clock: Clock;
  /** A failed run is reported here and retried at the next tick; it never stops the server. */
  onError: (error: unknown) => void;
  /** Default 1 hour. */
  everyMs?: number;
}

export interface AuditRetention {
  /** Deletes the events older than the retention period now; resolves to how many went. */
  runOnce(): Promise<number>;
  stop(): void;
}

/**
 * Keeps the audit log to `retentionDays` (GATEHOUSE_AUDIT_RETENTION_DAYS): personal data such as
 * IP addresses and user agents is not kept longer than it is useful (storage limitation), and the
 * table stays bounded. Runs hourly on an unref'd timer, which never keeps the process alive.
 */
export function startAuditRetention(options: AuditRetentionOptions): AuditRetention {
  const { audit, log, clock, onError, everyMs = 60 * 60_000 } = options;
  if (!Number.isSafeInteger(options.retentionDays) || options.retentionDays < 1)
    throw new TypeError('retentionDays must be a whole number of at least 1');
  const retentionMs = options.retentionDays * DAY_MS;

  async function runOnce(): Promise<number> {
    const before = clock.now() - retentionMs;
    const deleted = await audit.deleteBefore(before);
    if (deleted > 0) {
      await log.record({
        type: 'audit.pruned',
        data: { deleted, before: new Date(before).toISOString(), retentionDays: options.retentionDays },
      });
    }
    return deleted;
  }

  const timer = setInterval(() => {
    runOnce().catch(onError);
  }, everyMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
