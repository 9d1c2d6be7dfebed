import { createOriginAllowList, parseOrigin } from './origins.ts';
import { createTabs, type TabMessage } from './tabs.ts';
import type {
  GatehouseClient,
  GatehouseClientOptions,
  SharedState,
  SignedOutEvent,
  SignedOutReason,
  User,
} from './types.ts';

/** An answer other than 2xx from the auth server: its status and generic error code. */
export class GatehouseError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfterSeconds: number | null;
  constructor(status: number, code: string, retryAfterSeconds: number | null = null) {
    super(`${status} ${code}`);
    this.name = 'GatehouseError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** How long a new tab asks the open ones for the current state before refreshing itself. */
const HELLO_MS = 150;
/** A tab that waited for another tab's refresh waits this long for its broadcast result. */
const RESULT_WAIT_MS = 1_000;
/** After a failed background refresh, try again this soon (while the token still lives). */
const RETRY_MS = 5_000;

type Refreshed = { accessToken: string; expiresIn: number; csrfToken: string | null } | 'dead';

async function errorFrom(response: Response): Promise<GatehouseError> {
  let code = 'http_error';
  try {
    const body: unknown = await response.json();
    const error = (body as { error?: unknown } | null)?.error;
    if (typeof error === 'string') code = error;
  } catch {
    // not JSON: keep the generic code
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return new GatehouseError(
    response.status,
    code,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

/** The user named by an access token's claims, when `/auth/me` cannot be asked. */
function userFromToken(accessToken: string): User {
  try {
    const payload = accessToken.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { sub?: unknown; roles?: unknown };
    return {
      id: typeof claims.sub === 'string' ? claims.sub : '',
      email: '',
      roles: Array.isArray(claims.roles) ? claims.roles.filter((role) => typeof role === 'string') : [],
    };
  } catch {
    return { id: '', email: '', roles: [] };
  }
}

/**
 * A 401 that says the token was refused: same-origin answers show their `WWW-Authenticate`
 * challenge (Bearer or DPoP); a cross-origin answer hides it unless the API exposes it, so there a
 * 401 is taken as a refusal of the token.
 */
function blamesToken(response: Response): boolean {
  if (response.status !== 401) return false;
  const challenge = response.headers.get('www-authenticate');
  if (challenge !== null) return /^\s*(bearer|dpop)\b/i.test(challenge);
  return response.type === 'cors' || response.type === 'opaque';
}

/**
 * The client for single-page apps (and, with a storage adapter, for token-strategy clients).
 *
 * The access token lives in this closure only: never in localStorage, sessionStorage, IndexedDB
 * or a script-readable cookie. Tabs of the origin share it over BroadcastChannel (memory to
 * memory), take turns to refresh it (Web Locks), and sign out together.
 *
 * @example
 * const gatehouse = createGatehouseClient({ apiOrigins: ['https://api.example.com'] });
 * const user = await gatehouse.ready;
 * const response = await gatehouse.fetch('https://api.example.com/orders');
 */
export function createGatehouseClient(options: GatehouseClientOptions = {}): GatehouseClient {
  const strategy = options.strategy ?? 'hybrid';
  if (strategy !== 'hybrid' && strategy !== 'token') throw new TypeError(`unknown strategy ${strategy}`);
  const storage = options.refreshTokenStorage;
  if (strategy === 'token' && !storage)
    throw new TypeError('the token strategy needs a refreshTokenStorage for its refresh token');
  if (strategy === 'hybrid' && storage)
    throw new TypeError('the hybrid strategy keeps its refresh token in an HttpOnly cookie: no storage');

  const pageOrigin = typeof location === 'undefined' ? undefined : location.origin;
  const authBase = (options.authUrl ?? pageOrigin ?? '').replace(/\/+$/, '');
  if (!authBase) throw new TypeError('authUrl is required outside a page');
  const authOrigin = parseOrigin(new URL(authBase).origin);
  if (strategy === 'hybrid' && pageOrigin !== undefined && authOrigin !== pageOrigin)
    throw new TypeError(
      `hybrid: the auth server (${authOrigin}) must be this page's origin (${pageOrigin}); proxy /auth/ to it`,
    );
  const isListed = createOriginAllowList([authOrigin, ...(options.apiOrigins ?? [])]);
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const credentials: RequestCredentials = strategy === 'hybrid' ? 'same-origin' : 'omit';
  const aheadMs = Math.max(0, (options.refreshAheadSeconds ?? 60) * 1000);
  const pop = options.proofOfPossession;
  const scheme = pop?.scheme ?? 'Bearer';
  const endpoint = (path: string) => `${authBase}${path}`;

  const tabs = createTabs(options.channelName ?? 'gatehouse', {
    locks:
      options.locks !== undefined
        ? options.locks
        : typeof navigator === 'undefined'
          ? null
          : (navigator.locks ?? null),
    BroadcastChannel: typeof BroadcastChannel === 'undefined' ? null : BroadcastChannel,
  });

  let state: SharedState | null = null;
  /** Local ms of the last sign-out seen: state issued before it is stale news. */
  let signedOutAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let refreshing: Promise<string | null> | null = null;
  /** Counts results heard from other tabs; `lastResult` is the latest one's kind. */
  let resultVersion = 0;
  let lastResult: TabMessage['type'] | undefined;
  const resultWaiters = new Set<() => void>();
  const listeners = {
    signedin: new Set<(user: User) => void>(),
    signedout: new Set<(event: SignedOutEvent) => void>(),
  };
  let closed = false;

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

  function refreshDueAt(current: SharedState): number {
    const lifetime = current.expiresAt - current.issuedAt;
    return current.expiresAt - Math.min(aheadMs, lifetime / 2);
  }
  const isDue = (current: SharedState) => Date.now() >= refreshDueAt(current);

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

  /** Ends the session here and in every tab (and forgets a token-strategy refresh token). */
  async function endEverywhere(reason: SignedOutReason): Promise<void> {
    end(reason, false);
    tabs.post({ type: 'signed-out', reason, at: signedOutAt });
    await storage?.remove();
  }

  tabs.onMessage((message) => {
    switch (message.type) {
      case 'hello':
        if (state) tabs.post({ type: 'state', to: message.from, state });
        return;
      case 'state':
        if (message.state.issuedAt >= signedOutAt && (!state || message.state.issuedAt > state.issuedAt))
          adopt(message.state);
        break;
      case 'signed-out':
        if (!state || message.at >= state.issuedAt) end(message.reason, true);
        break;
      case 'refresh-failed':
        break;
      default:
        return;
    }
    resultVersion++;
    lastResult = message.type;
    for (const wake of resultWaiters) wake();
  });

  function waitForResult(since: number, ms: number): Promise<void> {
    if (resultVersion !== since) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        resultWaiters.delete(wake);
        clearTimeout(timeout);
        resolve();
      };
      const timeout = setTimeout(wake, ms);
      resultWaiters.add(wake);
    });
  }

  async function fetchMe(accessToken: string): Promise<User> {
    try {
      const response = await fetchImpl(endpoint('/auth/me'), {
        headers: await authorization('GET', endpoint('/auth/me'), accessToken, {
          accept: 'application/json',
        }),
        credentials: 'omit',
        cache: 'no-store',
      });
      if (response.ok) {
        const body = (await response.json()) as { user?: User };
        if (body.user) return body.user;
      }
    } catch {
      // fall through: the token's own claims name the user
    }
    return userFromToken(accessToken);
  }

  async function authorization(
    method: string,
    url: string,
    accessToken: string,
    base: HeadersInit = {},
  ): Promise<Headers> {
    const headers = new Headers(base);
    headers.set('authorization', `${scheme} ${accessToken}`);
    if (pop) headers.set('dpop', await pop.proof({ method, url, accessToken }));
    return headers;
  }

  /** Hybrid: the CSRF token of the session behind the refresh cookie; null when there is none. */
  async function fetchRefreshCsrf(): Promise<string | null> {
    const response = await fetchImpl(endpoint('/auth/refresh/csrf'), {
      headers: { accept: 'application/json' },
      credentials,
      cache: 'no-store',
    });
    if (response.status === 400 || response.status === 401) return null;
    if (!response.ok) throw await errorFrom(response);
    const body = (await response.json()) as { csrfToken?: unknown };
    return typeof body.csrfToken === 'string' ? body.csrfToken : null;
  }

  async function hybridRefresh(): Promise<Refreshed> {
    let csrfToken = state?.csrfToken ?? null;
    for (let attempt = 0; attempt < 2; attempt++) {
      csrfToken ??= await fetchRefreshCsrf();
      if (csrfToken === null) return 'dead';
      const response = await fetchImpl(endpoint('/auth/refresh'), {
        method: 'POST',
        headers: { accept: 'application/json', 'x-csrf-token': csrfToken },
        credentials,
        cache: 'no-store',
      });
      if (response.ok) {
        const body = (await response.json()) as { accessToken: string; expiresIn: number };
        return { accessToken: body.accessToken, expiresIn: body.expiresIn, csrfToken };
      }
      const error = await errorFrom(response);
      if (response.status === 400 && error.code === 'invalid_grant') return 'dead';
      // A CSRF token of an older session (a password change elsewhere): ask for the current one.
      if (response.status === 403 && error.code === 'csrf' && attempt === 0) {
        csrfToken = null;
        continue;
      }
      throw error;
    }
    return 'dead';
  }

  async function tokenRefresh(): Promise<Refreshed> {
    const refreshToken = await storage!.get();
    if (!refreshToken) return 'dead';
    const url = endpoint('/auth/refresh');
    const headers = new Headers({ accept: 'application/json', 'content-type': 'application/json' });
    if (pop) headers.set('dpop', await pop.proof({ method: 'POST', url }));
    const response = await fetchImpl(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ refreshToken }),
      credentials,
      cache: 'no-store',
    });
    if (response.ok) {
      const body = (await response.json()) as {
        accessToken: string;
        expiresIn: number;
        refreshToken: string;
      };
      await storage!.set(body.refreshToken);
      return { accessToken: body.accessToken, expiresIn: body.expiresIn, csrfToken: null };
    }
    const error = await errorFrom(response);
    if (response.status === 400 && error.code === 'invalid_grant') return 'dead';
    throw error;
  }

  /** One refresh over HTTP, by this tab; the result goes to every tab. */
  async function refreshNow(): Promise<string | null> {
    const startedAt = Date.now();
    let refreshed: Refreshed;
    let user: User;
    try {
      refreshed = strategy === 'hybrid' ? await hybridRefresh() : await tokenRefresh();
      if (refreshed === 'dead') {
        await endEverywhere('session_ended');
        return null;
      }
      user = state?.user ?? (await fetchMe(refreshed.accessToken));
    } catch (error) {
      tabs.post({ type: 'refresh-failed' });
      throw error;
    }
    const next: SharedState = {
      accessToken: refreshed.accessToken,
      issuedAt: startedAt,
      expiresAt: startedAt + refreshed.expiresIn * 1000,
      user,
      csrfToken: refreshed.csrfToken,
    };
    adopt(next);
    tabs.post({ type: 'state', state: next });
    return next.accessToken;
  }

  /**
   * A fresh access token in place of `stale` (null: none yet), shared by every caller in this tab
   * and, through the tab lock, by every tab: whoever comes second uses the first one's result.
   */
  function refresh(stale: string | null): Promise<string | null> {
    // Signed out meanwhile (here or in another tab): there is nothing left to refresh.
    if (stale !== null && !state) return Promise.resolve(null);
    refreshing ??= (async () => {
      const since = resultVersion;
      return tabs.exclusive(async (contended) => {
        const usable = () =>
          state && state.accessToken !== stale && !isDue(state) ? state.accessToken : undefined;
        if (usable()) return usable()!;
        // The tab before us broadcast its result before letting go; it may still be on its way.
        if (contended && resultVersion === since) await waitForResult(since, RESULT_WAIT_MS);
        if (usable()) return usable()!;
        if (resultVersion !== since && lastResult === 'signed-out') return null;
        return refreshNow();
      });
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  }

  async function resume(): Promise<User | null> {
    if (tabs.shared) {
      const since = resultVersion;
      tabs.post({ type: 'hello' });
      await waitForResult(since, HELLO_MS);
      if (state) return state.user;
    }
    if (strategy === 'token' && !(await storage!.get())) return null;
    await refresh(null);
    return (state as SharedState | null)?.user ?? null;
  }

  const ready = resume();
  const settled = () =>
    ready.then(
      () => undefined,
      () => undefined,
    );

  async function getAccessToken(): Promise<string | null> {
    await settled();
    const current = state;
    if (!current) return null;
    if (!isDue(current)) return current.accessToken;
    try {
      return await refresh(current.accessToken);
    } catch (error) {
      // Due but not expired: the old token still serves while the server is out of reach.
      if (state === current && Date.now() < current.expiresAt) return current.accessToken;
      throw error;
    }
  }

  async function authorizedRequest(request: Request, accessToken: string): Promise<Request> {
    return new Request(request, {
      headers: await authorization(request.method, request.url, accessToken, request.headers),
    });
  }

  async function clientFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    if (!isListed(request.url)) return fetchImpl(request);
    const accessToken = await getAccessToken();
    if (!accessToken) return fetchImpl(request);
    const retry = request.clone();
    const response = await fetchImpl(await authorizedRequest(request, accessToken));
    if (!blamesToken(response)) return response;
    let fresh: string | null;
    try {
      fresh = await refresh(accessToken);
    } catch {
      return response;
    }
    if (!fresh || fresh === accessToken) return response;
    return fetchImpl(await authorizedRequest(retry, fresh));
  }

  async function signIn(email: string, password: string): Promise<User> {
    await settled();
    const startedAt = Date.now();
    const response = await fetchImpl(endpoint('/auth/login'), {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, strategy }),
      credentials,
      cache: 'no-store',
    });
    if (!response.ok) throw await errorFrom(response);
    const body = (await response.json()) as {
      user: User;
      accessToken: string;
      expiresIn: number;
      csrfToken?: string;
      refreshToken?: string;
    };
    if (strategy === 'token' && body.refreshToken) await storage!.set(body.refreshToken);
    const next: SharedState = {
      accessToken: body.accessToken,
      issuedAt: startedAt,
      expiresAt: startedAt + body.expiresIn * 1000,
      user: body.user,
      csrfToken: body.csrfToken ?? null,
    };
    adopt(next);
    tabs.post({ type: 'state', state: next });
    return body.user;
  }

  async function endSession(path: string): Promise<void> {
    await settled();
    if (!state) return;
    const accessToken = await getAccessToken();
    if (accessToken) {
      const url = endpoint(path);
      const response = await fetchImpl(url, {
        method: 'POST',
        headers: await authorization('POST', url, accessToken),
        credentials,
        cache: 'no-store',
      });
      // 401: the session had already ended on the server.
      if (!response.ok && response.status !== 401) throw await errorFrom(response);
    }
    await endEverywhere('signed_out');
  }

  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const accessToken = await getAccessToken();
    if (!accessToken) throw new GatehouseError(401, 'invalid_token');
    const url = endpoint('/auth/password/change');
    const startedAt = Date.now();
    // Sent once, without the retry-after-401 of `fetch`: a 401 here is a wrong current password.
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: await authorization('POST', url, accessToken, {
        accept: 'application/json',
        'content-type': 'application/json',
      }),
      body: JSON.stringify({ currentPassword, newPassword }),
      credentials,
      cache: 'no-store',
    });
    if (!response.ok) throw await errorFrom(response);
    const body = (await response.json()) as {
      accessToken: string;
      expiresIn: number;
      csrfToken?: string;
      refreshToken?: string;
    };
    if (strategy === 'token' && body.refreshToken) await storage!.set(body.refreshToken);
    const user = state?.user ?? (await fetchMe(body.accessToken));
    const next: SharedState = {
      accessToken: body.accessToken,
      issuedAt: startedAt,
      expiresAt: startedAt + body.expiresIn * 1000,
      user,
      csrfToken: body.csrfToken ?? null,
    };
    adopt(next);
    tabs.post({ type: 'state', state: next });
  }

  return {
    ready,
    user: () => (state ? { ...state.user, roles: [...state.user.roles] } : null),
    signIn,
    signOut: () => endSession('/auth/logout'),
    signOutEverywhere: () => endSession('/auth/logout-all'),
    changePassword,
    getAccessToken,
    fetch: clientFetch,
    on(type: 'signedin' | 'signedout', listener: never) {
      const set = listeners[type] as Set<unknown>;
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    close() {
      closed = true;
      clearTimeout(timer);
      tabs.close();
    },
  } as GatehouseClient;
}
