import { fetchMe, type Refreshed, refreshTokens } from './auth-server.ts';
import type { ClientConfig } from './client-config.ts';
import { issuedState, type Session } from './session.ts';
import type { TabResults } from './tab-results.ts';
import type { Tabs } from './tabs.ts';
import type { User } from './types.ts';

/** A tab that waited for another tab's refresh waits this long for its broadcast result. */
const RESULT_WAIT_MS = 1_000;

/**
 * A fresh access token in place of `stale` (null: none yet), shared by every caller in this tab
 * and, through the tab lock, by every tab: whoever comes second uses the first one's result.
 * Null when the session has ended.
 */
export type Refresh = (stale: string | null) => Promise<string | null>;

export function createRefresher(
  config: ClientConfig,
  tabs: Tabs,
  session: Session,
  results: TabResults,
): Refresh {
  let refreshing: Promise<string | null> | null = null;

  /** One refresh over HTTP, by this tab; the result goes to every tab. */
  async function refreshNow(): Promise<string | null> {
    const startedAt = Date.now();
    let refreshed: Refreshed;
    let user: User;
    try {
      refreshed = await refreshTokens(config, session.state?.csrfToken ?? null);
      if (refreshed === 'dead') {
        await session.endEverywhere('session_ended');
        return null;
      }
      user = session.state?.user ?? (await fetchMe(config, refreshed.accessToken));
    } catch (error) {
      tabs.post({ type: 'refresh-failed' });
      throw error;
    }
    const next = issuedState(startedAt, refreshed, user, refreshed.csrfToken);
    session.share(next);
    return next.accessToken;
  }

  return (stale) => {
    // Signed out meanwhile (here or in another tab): there is nothing left to refresh.
    if (stale !== null && !session.state) return Promise.resolve(null);
    refreshing ??= (async () => {
      const since = results.version;
      return tabs.exclusive(async (contended) => {
        const usable = () => {
          const state = session.state;
          return state && state.accessToken !== stale && !session.isDue(state)
            ? state.accessToken
            : undefined;
        };
        if (usable()) return usable()!;
        // The tab before us broadcast its result before letting go; it may still be on its way.
        if (contended && results.version === since) await results.waitFor(since, RESULT_WAIT_MS);
        if (usable()) return usable()!;
        if (results.version !== since && results.last === 'signed-out') return null;
        return refreshNow();
      });
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };
}
