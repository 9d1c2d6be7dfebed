/**
 * This tab's view of the session: the shared state (access token, user, CSRF token), the timer
 * that refreshes it ahead of expiry, the sign-in and sign-out events, and what other tabs say.
 */
import type { ClientConfig } from './client-config.ts';
import type { TabMessage, Tabs } from './tabs.ts';
import type { SharedState, SignedOutEvent, SignedOutReason, User } from './types.ts';

/** After a failed background refresh, try again this soon (while the token still lives). */
const RETRY_MS = 5_000;

type Listeners = {
  signedin: Set<(user: User) => void>;
  signedout: Set<(event: SignedOutEvent) => void>;
};

export interface Session {
  readonly state: SharedState | null;
  /** Whether `state`'s token is due for a refresh. */
  isDue(state: SharedState): boolean;
  /** Takes `next` as this tab's state and tells the other tabs. */
  share(next: SharedState): void;
  /** Ends the session here and in every tab (and forgets a token-strategy refresh token). */
  endEverywhere(reason: SignedOutReason): Promise<void>;
  /** Applies what another tab said: its state, its sign-out, or its hello (answered with ours). */
  receive(message: TabMessage): void;
  on(type: 'signedin' | 'signedout', listener: never): () => void;
  close(): void;
}

/** The state a sign-in, refresh or password change started at `startedAt` leads to. */
export function issuedState(
  startedAt: number,
  issued: { accessToken: string; expiresIn: number },
  user: User,
  csrfToken: string | null,
): SharedState {
  return {
    accessToken: issued.accessToken,
    issuedAt: startedAt,
    expiresAt: startedAt + issued.expiresIn * 1000,
    user,
    csrfToken,
  };
}

/** A listener that throws does not stop the others (its error is rethrown on its own). */
function notify<T>(set: Set<(value: T) => void>, value: T): void {
  for (const listener of set) {
    try {
      listener(value);
    } catch (error) {
      setTimeout(() => {
        throw error;
      });
    }
  }
}

/** `refresh` is called by the timer with the token it replaces. */
export function createSession(
  config: ClientConfig,
  tabs: Tabs,
  refresh: (stale: string) => Promise<unknown>,
): Session {
  let state: SharedState | null = null;
  /** Local ms of the last sign-out seen: state issued before it is stale news. */
  let signedOutAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const listeners: Listeners = { signedin: new Set(), signedout: new Set() };

  function refreshDueAt(current: SharedState): number {
    const lifetime = current.expiresAt - current.issuedAt;
    return current.expiresAt - Math.min(config.aheadMs, lifetime / 2);
  }

  function schedule(delay?: number): void {
    clearTimeout(timer);
    timer = undefined;
    const current = state;
    if (!current || closed) return;
    timer = setTimeout(
      () => {
        if (state !== current) return;
        refresh(current.accessToken).catch(() => {
          if (state === current && Date.now() < current.expiresAt) schedule(RETRY_MS);
        });
      },
      delay ?? Math.max(0, refreshDueAt(current) - Date.now()),
    );
    (timer as unknown as { unref?: () => void }).unref?.();
  }

  function adopt(next: SharedState): void {
    const previous = state;
    state = next;
    schedule();
    if (!previous || previous.user.id !== next.user.id) notify(listeners.signedin, next.user);
  }

  /** Clears this tab; the event fires once, only when it was signed in. */
  function end(reason: SignedOutReason, fromOtherTab: boolean): void {
    const was = state;
    state = null;
    signedOutAt = Date.now();
    clearTimeout(timer);
    timer = undefined;
    if (was) notify(listeners.signedout, { reason, fromOtherTab });
  }

  return {
    get state() {
      return state;
    },
    isDue: (current) => Date.now() >= refreshDueAt(current),
    share(next) {
      adopt(next);
      tabs.post({ type: 'state', state: next });
    },
    async endEverywhere(reason) {
      end(reason, false);
      tabs.post({ type: 'signed-out', reason, at: signedOutAt });
      await config.storage?.remove();
    },
    receive(message) {
      if (message.type === 'hello') {
        if (state) tabs.post({ type: 'state', to: message.from, state });
      } else if (message.type === 'state') {
        if (message.state.issuedAt >= signedOutAt && (!state || message.state.issuedAt > state.issuedAt))
          adopt(message.state);
      } else if (message.type === 'signed-out') {
        if (!state || message.at >= state.issuedAt) end(message.reason, true);
      }
    },
    on(type, listener) {
      const set = listeners[type] as Set<unknown>;
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
