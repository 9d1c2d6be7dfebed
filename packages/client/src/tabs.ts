/**
 * Coordination between the tabs (and workers) of one origin: a BroadcastChannel to share results,
 * and a mutual exclusion for refreshes, so that rotation never sees two refreshes of one token
 * from the same browser.
 *
 * - With Web Locks (`navigator.locks`), the lock is the exclusion. A tab that finds the lock taken
 *   waits for it, then uses the holder's result (broadcast before the holder lets go).
 * - Without Web Locks but with BroadcastChannel, a tab announces a claim, waits a short window for
 *   rival claims, and the lowest tab id wins; the others wait for its release. Two claims that
 *   still collide both reach the server within its grace window, which hands both the same
 *   successor: no sign-out, only one spare request.
 * - With neither (no other tab can exist, e.g. a CLI), there is nothing to coordinate.
 */
import type { SharedState, SignedOutReason } from './types.ts';

export type TabMessage =
  | { type: 'hello'; from: string }
  | { type: 'state'; from: string; to?: string; state: SharedState }
  | { type: 'signed-out'; from: string; reason: SignedOutReason; at: number }
  | { type: 'refresh-failed'; from: string }
  | { type: 'claim'; from: string }
  | { type: 'release'; from: string };

type Outgoing = TabMessage extends infer M ? (M extends TabMessage ? Omit<M, 'from'> : never) : never;

export interface Tabs {
  readonly id: string;
  /** True when another tab can hear us. */
  readonly shared: boolean;
  post(message: Outgoing): void;
  onMessage(listener: (message: TabMessage) => void): void;
  /**
   * Runs `task` while no other tab runs one under the same name. `contended` tells the task that
   * another tab held the turn first (so its result may be arriving).
   */
  exclusive<T>(task: (contended: boolean) => Promise<T>): Promise<T>;
  close(): void;
}

export interface TabsEnvironment {
  locks?: LockManager | null | undefined;
  BroadcastChannel?: typeof BroadcastChannel | null | undefined;
}

/** How long rival claims are collected (fallback without Web Locks): long enough for a BroadcastChannel message between tabs of a busy machine (50 ms let two tabs win in a loaded CI run). */
const CLAIM_WINDOW_MS = 250;
/** A claim never released (its tab closed mid-refresh) stops counting after this. */
const CLAIM_TIMEOUT_MS = 10_000;

function randomId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function isMessage(value: unknown): value is TabMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    typeof (value as { from?: unknown }).from === 'string'
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createTabs(name: string, environment: TabsEnvironment): Tabs {
  const id = randomId();
  const Channel = environment.BroadcastChannel;
  const channel = Channel ? new Channel(name) : null;
  // Node's BroadcastChannel would keep a CLI's process alive.
  (channel as unknown as { unref?: () => void } | null)?.unref?.();
  const locks = environment.locks ?? null;
  const listeners = new Set<(message: TabMessage) => void>();
  /** Fallback: other tabs' open claims, by tab id, with when each arrived. */
  const claims = new Map<string, number>();
  const claimWaiters = new Set<() => void>();

  if (channel) {
    channel.onmessage = (event: MessageEvent) => {
      const message: unknown = event.data;
      if (!isMessage(message) || message.from === id) return;
      if (message.type === 'claim') claims.set(message.from, Date.now());
      if (message.type === 'release') {
        claims.delete(message.from);
        for (const wake of claimWaiters) wake();
      }
      if (message.type === 'state' && message.to !== undefined && message.to !== id) return;
      for (const listener of listeners) listener(message);
    };
  }

  function post(message: Outgoing): void {
    channel?.postMessage({ ...message, from: id });
  }

  /** Open claims of other tabs; `below` keeps only those of lower ids (the winners of a tie). */
  function openClaims(below?: string): boolean {
    const now = Date.now();
    for (const [tab, at] of claims) {
      if (now - at > CLAIM_TIMEOUT_MS) claims.delete(tab);
      else if (below === undefined || tab < below) return true;
    }
    return false;
  }

  async function waitForClaims(below?: string): Promise<void> {
    const deadline = Date.now() + CLAIM_TIMEOUT_MS;
    while (openClaims(below) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          claimWaiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 250);
        claimWaiters.add(wake);
      });
    }
  }

  async function exclusive<T>(task: (contended: boolean) => Promise<T>): Promise<T> {
    if (locks) {
      const lockName = `${name}:refresh`;
      const uncontended = await locks.request(lockName, { ifAvailable: true }, async (lock) =>
        lock ? { value: await task(false) } : null,
      );
      if (uncontended) return uncontended.value;
      return locks.request(lockName, () => task(true));
    }
    if (!channel) return task(false);
    if (openClaims()) {
      await waitForClaims();
      return task(true);
    }
    post({ type: 'claim' });
    try {
      await sleep(CLAIM_WINDOW_MS);
      if (openClaims(id)) {
        await waitForClaims(id);
        return await task(true);
      }
      return await task(false);
    } finally {
      post({ type: 'release' });
    }
  }

  return {
    id,
    shared: channel !== null,
    post,
    onMessage: (listener) => {
      listeners.add(listener);
    },
    exclusive,
    close() {
      listeners.clear();
      channel?.close();
    },
  };
}
