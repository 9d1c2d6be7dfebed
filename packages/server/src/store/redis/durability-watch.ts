import type { RedisTarget } from '../../lib/bounded-redis.ts';
import {
  durabilityWarnings,
  type RedisDurability,
  readOrThrow,
  readRedisDurability,
} from './redis-durability.ts';

/** How often a running server reads its Redis store's persistence and replicas again. */
export const DURABILITY_WATCH_MS = 10_000;

export interface DurabilityReading {
  detail: RedisDurability;
  warnings: string[];
}

export interface DurabilityWatch {
  /** The latest reading; one that failed (Redis unreachable) leaves the one before. */
  readonly current: DurabilityReading;
  stop(): void;
}

/**
 * Reads a Redis store's Redis at start-up, then every `intervalMs`, and tells `onChange` when what
 * it would warn of, or the replica count, changed: a replica lost after start-up makes every
 * revocation answer 503 (with `GATEHOUSE_REDIS_WAIT_REPLICAS`), and one added without the setting
 * lets a failover undo them, and neither was said until the next start.
 */
export async function watchRedisDurability(
  target: RedisTarget,
  waitReplicas: number,
  options: {
    intervalMs?: number;
    onChange?: (now: DurabilityReading, before: DurabilityReading) => void;
  } = {},
): Promise<DurabilityWatch> {
  const { intervalMs = DURABILITY_WATCH_MS, onChange = () => {} } = options;
  const reading = (detail: RedisDurability) => ({
    detail,
    warnings: durabilityWarnings(detail, waitReplicas),
  });
  let current = reading(await readRedisDurability(target));
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    readOrThrow(target)
      .then((detail) => {
        const next = reading(detail);
        const before = current;
        current = next;
        // The warnings follow from the reading: a change in it is the only change there is.
        if (
          next.detail.replicas !== before.detail.replicas ||
          next.detail.persistence !== before.detail.persistence
        )
          onChange(next, before);
      })
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    get current() {
      return current;
    },
    stop: () => clearInterval(timer),
  };
}
