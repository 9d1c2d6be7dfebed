import type { TabMessage } from './tabs.ts';

/** The kinds of message by which another tab reports how its refresh (or sign-out) ended. */
export type TabResult = Extract<TabMessage['type'], 'state' | 'signed-out' | 'refresh-failed'>;

/** Counts the results heard from other tabs, so a tab can wait for one instead of refreshing itself. */
export interface TabResults {
  /** Grows by one per result heard. */
  readonly version: number;
  /** The latest result's kind. */
  readonly last: TabResult | undefined;
  record(result: TabResult): void;
  /** Resolves once a result newer than `since` is heard, or after `ms`. */
  waitFor(since: number, ms: number): Promise<void>;
}

export function isTabResult(type: TabMessage['type']): type is TabResult {
  return type === 'state' || type === 'signed-out' || type === 'refresh-failed';
}

export function createTabResults(): TabResults {
  let version = 0;
  let last: TabResult | undefined;
  const waiters = new Set<() => void>();
  return {
    get version() {
      return version;
    },
    get last() {
      return last;
    },
    record(result) {
      version++;
      last = result;
      for (const wake of waiters) wake();
    },
    waitFor(since, ms) {
      if (version !== since) return Promise.resolve();
      return new Promise((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          clearTimeout(timeout);
          resolve();
        };
        const timeout = setTimeout(wake, ms);
        waiters.add(wake);
      });
    },
  };
}
