import { changePasswordAt, endSessionAt, fetchMe, login } from './auth-server.ts';
import { createAuthorizedFetch } from './authorized-fetch.ts';
import { type ClientConfig, resolveClientConfig } from './client-config.ts';
import { GatehouseError } from './errors.ts';
import { createRefresher, type Refresh } from './refresher.ts';
import { createSession, issuedState, type Session } from './session.ts';
import { createTabResults, isTabResult, type TabResults } from './tab-results.ts';
import { createTabs, type Tabs } from './tabs.ts';
import type { GatehouseClient, GatehouseClientOptions, SharedState, User } from './types.ts';

export { GatehouseError } from './errors.ts';

/** How long a new tab asks the open ones for the current state before refreshing itself. */
const HELLO_MS = 150;

/** The pieces of one client, as `resume` needs them. */
interface ClientParts {
  config: ClientConfig;
  tabs: Tabs;
  results: TabResults;
  session: Session;
  refresh: Refresh;
}

/** The user at start-up: another tab's state when one answers in time, else a refresh's. */
async function resume({ config, tabs, results, session, refresh }: ClientParts): Promise<User | null> {
  if (tabs.shared) {
    const since = results.version;
    tabs.post({ type: 'hello' });
    await results.waitFor(since, HELLO_MS);
    if (session.state) return session.state.user;
  }
  if (config.strategy === 'token' && !(await config.storage!.get())) return null;
  await refresh(null);
  return (session.state as SharedState | null)?.user ?? null;
}

/**
 * The client for single-page apps (and, with a storage adapter, for token-strategy clients).
 *
 * The access token lives in memory only (the closure of `createSession`): never in localStorage,
 * sessionStorage, IndexedDB or a script-readable cookie. Tabs of the origin share it over
 * BroadcastChannel (memory to memory), take turns to refresh it (Web Locks), and sign out together.
 *
 * @example
 * const gatehouse = createGatehouseClient({ apiOrigins: ['https://api.example.com'] });
 * const user = await gatehouse.ready;
 * const response = await gatehouse.fetch('https://api.example.com/orders');
 */
export function createGatehouseClient(options: GatehouseClientOptions = {}): GatehouseClient {
  const config = resolveClientConfig(options);
  const tabs = createTabs(config.channelName, config.tabs);
  const results = createTabResults();
  const session = createSession(config, tabs, (stale) => refresh(stale));
  const refresh: Refresh = createRefresher(config, tabs, session, results);
  tabs.onMessage((message) => {
    session.receive(message);
    if (isTabResult(message.type)) results.record(message.type);
  });

  const ready = resume({ config, tabs, results, session, refresh });
  const settled = () =>
    ready.then(
      () => undefined,
      () => undefined,
    );

  async function getAccessToken(): Promise<string | null> {
    await settled();
    const current = session.state;
    if (!current) return null;
    if (!session.isDue(current)) return current.accessToken;
    try {
      return await refresh(current.accessToken);
    } catch (error) {
      // Due but not expired: the old token still serves while the server is out of reach.
      if (session.state === current && Date.now() < current.expiresAt) return current.accessToken;
      throw error;
    }
  }

  async function signIn(email: string, password: string): Promise<User> {
    await settled();
    const startedAt = Date.now();
    const body = await login(config, email, password);
    if (config.strategy === 'token' && body.refreshToken) await config.storage!.set(body.refreshToken);
    session.share(issuedState(startedAt, body, body.user, body.csrfToken ?? null));
    return body.user;
  }

  async function endSession(path: string): Promise<void> {
    await settled();
    if (!session.state) return;
    const accessToken = await getAccessToken();
    if (accessToken) await endSessionAt(config, path, accessToken);
    await session.endEverywhere('signed_out');
  }

  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const accessToken = await getAccessToken();
    if (!accessToken) throw new GatehouseError(401, 'invalid_token');
    const startedAt = Date.now();
    const body = await changePasswordAt(config, accessToken, { currentPassword, newPassword });
    if (config.strategy === 'token' && body.refreshToken) await config.storage!.set(body.refreshToken);
    const user = session.state?.user ?? (await fetchMe(config, body.accessToken));
    session.share(issuedState(startedAt, body, user, body.csrfToken ?? null));
  }

  return {
    ready,
    user: () => {
      const state = session.state;
      return state ? { ...state.user, roles: [...state.user.roles] } : null;
    },
    signIn,
    signOut: () => endSession('/auth/logout'),
    signOutEverywhere: () => endSession('/auth/logout-all'),
    changePassword,
    getAccessToken,
    fetch: createAuthorizedFetch(config, getAccessToken, refresh),
    on: session.on,
    close() {
      session.close();
      tabs.close();
    },
  } as GatehouseClient;
}
