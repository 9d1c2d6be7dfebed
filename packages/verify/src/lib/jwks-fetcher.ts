// Shared by both builds of jwks-keys.ts (node:crypto KeyObjects here, WebCrypto in src/web): how a
// JWKS is fetched and how often a kid miss may fetch it again. Imports nothing from Node.
import type { Clock } from '@gatehouse/core';

/** An unknown kid triggers at most one JWKS fetch per this window, however many tokens carry one. */
export const JWKS_REFETCH_INTERVAL_MS = 30_000;
const FETCH_TIMEOUT_MS = 5000;
/** Revoked kids remembered (the feed carries a few per rotation; a set never lists many). */
const REVOKED_KIDS_KEPT = 64;

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
  /**
   * A `key` revocation event came. A set that lists that kid is out of date (the server signs with
   * another key now, maybe a new one): the next kid miss fetches at once, whatever the window,
   * whether the set was fetched before the event or after it (a verifier starting up reads its
   * feed snapshot and its first JWKS side by side).
   */
  keyRevoked(kid: string): void;
  readonly fetches: number;
}

export function createJwksFetcher(options: JwksFetcherOptions): JwksFetcher {
  const { jwksUrl, clock, onError, apply } = options;
  // Called unbound: workerd throws "Illegal invocation" for a fetch called as a method of another object.
  const fetchImpl = options.fetch;
  let fetches = 0;
  let lastFetchAt = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<boolean> | undefined;
  /** The kids of the set last applied, and revoked kids seen on the feed (oldest first). */
  let fetchedKids = new Set<string>();
  const revokedKids = new Set<string>();
  // Once per revoked kid: a server whose own set still lists it costs one fetch more, not one a miss.
  const reopenIfOutdated = () => {
    for (const kid of revokedKids) {
      if (!fetchedKids.has(kid)) continue;
      revokedKids.delete(kid);
      lastFetchAt = Number.NEGATIVE_INFINITY;
    }
  };

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
    fetchedKids = new Set(body.keys.map((key) => (key as { kid?: unknown } | null)?.kid).filter(isString));
    reopenIfOutdated();
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
    keyRevoked(kid) {
      revokedKids.delete(kid);
      revokedKids.add(kid);
      if (revokedKids.size > REVOKED_KIDS_KEPT) revokedKids.delete(revokedKids.values().next().value!);
      reopenIfOutdated();
    },
    get fetches() {
      return fetches;
    },
  };
}

const isString = (value: unknown): value is string => typeof value === 'string';
