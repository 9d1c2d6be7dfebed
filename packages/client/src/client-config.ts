import { createOriginAllowList, parseOrigin } from './origins.ts';
import type { RefreshTokenStorage } from './storage.ts';
import type { TabsEnvironment } from './tabs.ts';
import type { GatehouseClientOptions, ProofOfPossession, Strategy } from './types.ts';

/** The client's options, checked and with their defaults filled in. */
export interface ClientConfig {
  strategy: Strategy;
  /** Only with the token strategy: where its refresh token is kept. */
  storage: RefreshTokenStorage | undefined;
  /** The auth server's URL for `path` (e.g. `/auth/refresh`). */
  endpoint(path: string): string;
  /** Whether a request to `url` may carry the access token. */
  isListed(url: string): boolean;
  fetch: typeof fetch;
  credentials: RequestCredentials;
  /** Refresh this long (ms) before the access token expires, at most half its lifetime. */
  aheadMs: number;
  pop: ProofOfPossession | undefined;
  /** The Authorization scheme: `Bearer`, or the proof-of-possession scheme. */
  scheme: string;
  channelName: string;
  tabs: TabsEnvironment;
}

export function resolveClientConfig(options: GatehouseClientOptions): ClientConfig {
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
  return {
    strategy,
    storage,
    endpoint: (path) => `${authBase}${path}`,
    isListed: createOriginAllowList([authOrigin, ...(options.apiOrigins ?? [])]),
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    credentials: strategy === 'hybrid' ? 'same-origin' : 'omit',
    aheadMs: Math.max(0, (options.refreshAheadSeconds ?? 60) * 1000),
    pop: options.proofOfPossession,
    scheme: options.proofOfPossession?.scheme ?? 'Bearer',
    channelName: options.channelName ?? 'gatehouse',
    tabs: {
      locks:
        options.locks !== undefined
          ? options.locks
          : typeof navigator === 'undefined'
            ? null
            : (navigator.locks ?? null),
      BroadcastChannel: typeof BroadcastChannel === 'undefined' ? null : BroadcastChannel,
    },
  };
}
