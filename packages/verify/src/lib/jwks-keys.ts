import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Clock, SigningAlgorithm } from '@gatehouse/core';
import type { JWK } from 'jose';
import { createJwksFetcher } from './jwks-fetcher.ts';
import { withGetters } from './with-getters.ts';

export { JWKS_REFETCH_INTERVAL_MS } from './jwks-fetcher.ts';

export interface JwksKeysOptions {
  jwks?: { keys: JWK[] };
  jwksUrl?: string;
  algorithms: readonly SigningAlgorithm[];
  clock: Clock;
  fetch: typeof fetch;
  onError: (error: unknown) => void;
}

export interface JwksKeys {
  get(kid: string): KeyObject | undefined;
  /** Fetches `jwksUrl` (no-op for static keys). */
  load(): Promise<void>;
  /** After a kid miss: refetches unless one happened within the window. True when keys may have changed. */
  refreshOnMiss(): Promise<boolean>;
  /** A `key` revocation event came: see `JwksFetcher.keyRevoked`. */
  keyRevoked(kid: string): void;
  /** The WebCrypto build's asynchronous signature check before each verification (src/web/). */
  prepare?(token: string): Promise<void>;
  readonly fetches: number;
}

/**
 * The verification keys by kid, as node:crypto KeyObjects imported once, so the per-request path
 * is a Map lookup. Keys for algorithms not pinned, or not for signatures, are left out.
 */
export function createJwksKeys(options: JwksKeysOptions): JwksKeys {
  const { jwksUrl, clock, onError } = options;
  const pinned = new Set<string>(options.algorithms);
  let keys = options.jwks ? importKeys(options.jwks.keys, pinned, true) : new Map<string, KeyObject>();

  const fetcher = createJwksFetcher({
    jwksUrl,
    clock,
    fetch: options.fetch,
    onError,
    apply: async (fetched) => {
      keys = importKeys(fetched, pinned, false);
    },
  });
  const { fetchKeys } = fetcher;

  const api: Omit<JwksKeys, 'fetches'> = {
    get: (kid) => keys.get(kid),

    async load() {
      if (jwksUrl) await fetchKeys();
    },

    refreshOnMiss: () => fetcher.refreshOnMiss(),

    keyRevoked: (kid) => fetcher.keyRevoked(kid),
  };
  return withGetters<JwksKeys, 'fetches'>(api, { fetches: () => fetcher.fetches });
}

/**
 * Keys for another use or an algorithm not pinned are skipped. A key that should be usable but
 * cannot be imported throws for static keys (configuration) and is skipped in a fetched set.
 */
function importKeys(jwks: unknown[], pinned: Set<string>, strict: boolean): Map<string, KeyObject> {
  const imported = new Map<string, KeyObject>();
  for (const [index, value] of jwks.entries()) {
    const jwk = (typeof value === 'object' && value !== null ? value : {}) as JWK;
    if (jwk.use !== undefined && jwk.use !== 'sig') continue;
    if (jwk.alg !== undefined && !pinned.has(jwk.alg)) continue;
    try {
      if (typeof jwk.kid !== 'string' || jwk.kid === '') throw new TypeError('missing kid');
      // createPublicKey derives the public half even from a private JWK, so nothing secret is kept.
      imported.set(jwk.kid, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }));
    } catch (cause) {
      if (strict) throw new TypeError(`jwks.keys[${index}] is not a usable public key with a kid`, { cause });
    }
  }
  return imported;
}
