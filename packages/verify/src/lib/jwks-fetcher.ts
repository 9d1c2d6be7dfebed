// Shared by both builds of jwks-keys.ts (node:crypto KeyObjects here, WebCrypto in src/web): how a
// JWKS is fetched and how often a kid miss may fetch it again. Imports nothing from Node.
import type { Clock } from '@gatehouse/core';

/** An unknown kid triggers at most one JWKS fetch per this window, however many tokens carry one. */
export const JWKS_REFETCH_INTERVAL_MS = 30_000;
const FETCH_TIMEOUT_MS = 5000;

export interface JwksFetcherOptions {
  jwksUrl?: string;
  clock: Clock;
  fetch: typeof fetch;
  onError: (error: unknown) => void;
  /** Takes the `keys` array of a fetched set (imports it; may be asynchronous). */
  apply: (keys: unknown[]) => void | Promise<void>;
}

export interface JwksFetcher {
  /** Fetches the set now and applies it; throws on an HTTP error or a body without `keys`. */
  fetchKeys(): Promise<void>;
  /** After a kid miss: refetches unless one happened within the window. True when keys may have changed. */
  refreshOnMiss(): Promise<boolean>;
  readonly fetches: number;
}

export function createJwksFetcher(options: JwksFetcherOptions): JwksFetcher {
  const { jwksUrl, clock, onError, apply } = options;
  // Called unbound: workerd throws "Illegal invocation" for a fetch called as a method of another object.
  const fetchImpl = options.fetch;
  let fetches = 0;
  let lastFetchAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<boolean> | undefined;

  async function fetchKeys(): Promise<void> {
    fetches++;
    lastFetchAt = clock.now();
    const response = await fetchImpl(jwksUrl!, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`JWKS fetch failed: HTTP ${response.status}`);
    }
    const body = (await response.json()) as { keys?: unknown } | null;
    if (!Array.isArray(body?.keys)) throw new Error('JWKS fetch failed: no keys array');
    await apply(body.keys);
  }

  return {
    fetchKeys,
    refreshOnMiss() {
      if (inFlight) return inFlight;
      if (!jwksUrl || clock.now() - lastFetchAt < JWKS_REFETCH_INTERVAL_MS) return Promise.resolve(false);
      inFlight = fetchKeys()
        .then(
          () => true,
          (error: unknown) => {
            onError(error);
            return false;
          },
        )
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
    get fetches() {
      return fetches;
    },
  };
}
