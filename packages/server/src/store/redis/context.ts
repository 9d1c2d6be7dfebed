import type { KeyLayout } from './key-layout.ts';
import type { ConfirmedWrites } from './replica-wait.ts';
import type { RedisClient, RedisScripts } from './scripts.ts';

/** What every sub-store of the Redis backend works with. */
export interface RedisStoreContext {
  client: RedisClient;
  keys: KeyLayout;
  scripts: RedisScripts;
  /** Set when revocation writes wait for replicas (`waitForReplicas`). */
  confirmed?: ConfirmedWrites;
}

/**
 * Redis TTLs only collect garbage; every decision compares the `now` the caller passes. The slack
 * keeps a record around a little past its last possible use, so Redis's clock never decides.
 */
export const EXPIRY_SLACK_MS = 60_000;

/**
 * A TTL for a record that is dead at `absoluteExpiresAt`, measured from `from` on the caller's clock.
 * Relative, not PEXPIREAT: an absolute deadline would put the caller's clock and Redis's clock in
 * one comparison, and a manual clock in tests (or a skewed host) would expire live records.
 */
export function expiryTtlMs(from: number, absoluteExpiresAt: number): number {
  return Math.max(absoluteExpiresAt - from, 0) + EXPIRY_SLACK_MS;
}

/** Runs a MULTI and surfaces the first failed command, which ioredis reports per command. */
export async function execTransaction(transaction: ReturnType<RedisClient['multi']>): Promise<unknown[]> {
  const replies = await transaction.exec();
  if (replies === null) throw new Error('redis: transaction aborted');
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
