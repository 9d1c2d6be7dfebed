import type { Clock, GatehouseStore } from '@gatehouse/core';

export interface ExpiredSweepOptions {
  store: Pick<GatehouseStore, 'sessions' | 'resetTokens' | 'revocations'>;
  clock: Clock;
  /** A failed run is reported here and retried at the next tick; it never stops the server. */
  onError: (error: unknown) => void;
  /** Default 10 minutes. */
  everyMs?: number;
}

export interface ExpiredSweep {
  /** Deletes what has expired now; resolves to how many sessions and reset tokens went. */
  runOnce(): Promise<{ sessions: number; resetTokens: number; revocations: number }>;
  stop(): void;
}

/**
 * Expired sessions (with their refresh families) and reset tokens are refused on sight already;
 * this sweep only keeps the tables, and the Redis live-session indexes, from growing without bound.
 * An unref'd timer: it never keeps the process alive.
 */
export function startExpiredSweep(options: ExpiredSweepOptions): ExpiredSweep {
  const { store, clock, onError, everyMs = 10 * 60_000 } = options;
  async function runOnce() {
    const now = clock.now();
    const sessions = await store.sessions.deleteExpired(now);
    const resetTokens = await store.resetTokens.deleteExpired(now);
    // Kept a minute past `until`, as the feed keeps them: verifiers accept a token that long past exp.
    const revocations = (await store.revocations?.deleteExpired(now - 60_000)) ?? 0;
    return { sessions, resetTokens, revocations };
  }
  const timer = setInterval(() => {
    runOnce().catch(onError);
  }, everyMs);
  timer.unref();
  return { runOnce, stop: () => clearInterval(timer) };
}
