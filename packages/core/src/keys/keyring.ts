import type { KeyObject } from 'node:crypto';
import { type Clock, systemClock } from '../clock.ts';
import { type RandomSource, systemRandom } from '../random.ts';
import type { KeyStore, SigningAlgorithm } from '../store/types.ts';
import { DEFAULT_LEEWAY_SECONDS, MAX_ACCESS_TOKEN_TTL_SECONDS } from '../token/access-token-claims.ts';
import { generateSigningKey, type PublicSigningJwk } from './generate-signing-key.ts';
import { createKeyEncryption } from './key-encryption.ts';
import { KeyUnavailableError } from './key-unavailable-error.ts';
import { type LoadedSigningKey, loadSigningKey } from './load-signing-key.ts';
import { isSigningAlgorithm } from './signing-algorithms.ts';

export interface KeyringOptions {
  store: KeyStore;
  /** 32-byte key-encryption key from configuration, used for signing keys only. */
  kek: Uint8Array;
  /** Former KEKs, still accepted for reading keys written under them (KEK rotation). */
  previousKeks?: Uint8Array[];
  /** Algorithm of newly generated keys. Default ES256; HS256 only when chosen here. */
  algorithm?: SigningAlgorithm;
  clock?: Clock;
  random?: RandomSource;
  /** `ensureActiveKey` replaces an active key older than this. Default 7 days. */
  rotationIntervalMs?: number;
  /** Retired keys verify for this long, then `pruneRetired` drops them. Default 1 hour. */
  retainRetiredMs?: number;
  /** `refreshIfStale` reloads from the store at most this often. Default 60 s. */
  refreshIntervalMs?: number;
}

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  /** Private key, or the HMAC secret for HS256. */
  privateKey: KeyObject;
}

export interface JsonWebKeySet {
  keys: readonly PublicSigningJwk[];
}

export interface Keyring {
  /** Loads the keys; creates a key when there is none and rotates one older than `rotationIntervalMs`. */
  ensureActiveKey(): Promise<{ kid: string; rotated: boolean }>;
  /** Makes a new key active; the old one is retired and keeps verifying. Returns the new kid. */
  rotate(): Promise<string>;
  /** Emergency revocation: the key stops verifying at once. Revoking the active key rotates. */
  revoke(kid: string): Promise<boolean>;
  /** Re-reads the store (decrypting every key once) and swaps the in-memory view atomically. */
  reload(): Promise<void>;
  /** Reloads when the last load is older than `refreshIntervalMs`; otherwise does nothing. */
  refreshIfStale(): Promise<boolean>;
  /** Drops retired keys retired more than `retainRetiredMs` ago; returns their kids. */
  pruneRetired(): Promise<string[]>;
  /** The active key. Throws KeyUnavailableError before the first load or when no key is active. */
  getSigningKey(): SigningKey;
  /** A map lookup, never a store read: unknown kids cost nothing and cannot trigger reloads. */
  getVerificationKey(kid: string): KeyObject | null;
  /** Public JWKs of the active and retired keys (none for HS256). Frozen; safe to serve as is. */
  jwks(): JsonWebKeySet;
}

const DAY_MS = 24 * 60 * 60_000;
/** A retired key must outlive every token it signed: max lifetime plus the verifier's leeway. */
const MIN_RETAIN_RETIRED_MS = (MAX_ACCESS_TOKEN_TTL_SECONDS + DEFAULT_LEEWAY_SECONDS) * 1000;

function positiveMs(value: number, name: string, minimum = 1): number {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new TypeError(`${name} must be an integer of at least ${minimum} ms`);
  }
  return value;
}

interface KeyringState {
  byKid: Map<string, LoadedSigningKey>;
  signing: SigningKey | null;
  jwks: JsonWebKeySet;
}

function buildState(keys: LoadedSigningKey[]): KeyringState {
  const newestFirst = keys.sort((a, b) => b.createdAt - a.createdAt);
  const active = newestFirst.find((key) => key.status === 'active');
  const published = newestFirst.flatMap((key) => (key.publicJwk ? [Object.freeze(key.publicJwk)] : []));
  return {
    byKid: new Map(newestFirst.map((key) => [key.kid, key])),
    signing: active
      ? Object.freeze({ kid: active.kid, alg: active.alg, privateKey: active.signingKey })
      : null,
    jwks: Object.freeze({ keys: Object.freeze(published) }),
  };
}

/**
 * The signing keys of one deployment: one active key, recently retired public keys, all held in
 * memory as KeyObjects. Requests only ever read the in-memory view; the store is read on rotate,
 * revoke, prune, explicit reload and rate-limited `refreshIfStale`.
 *
 * @example
 * const keyring = createKeyring({ store: store.keys, kek, algorithm: 'ES256' });
 * await keyring.ensureActiveKey();
 * const verifier = createAccessTokenVerifier({ ..., algorithms: ['ES256'], getKey: keyring.getVerificationKey });
 */
export function createKeyring(options: KeyringOptions): Keyring {
  const { store, clock = systemClock, random = systemRandom, algorithm = 'ES256' } = options;
  if (!isSigningAlgorithm(algorithm)) throw new TypeError('unsupported signing algorithm');
  const encryption = createKeyEncryption(options.kek, { previousKeks: options.previousKeks ?? [] });
  const rotationIntervalMs = positiveMs(options.rotationIntervalMs ?? 7 * DAY_MS, 'rotationIntervalMs');
  const retainRetiredMs = positiveMs(
    options.retainRetiredMs ?? 60 * 60_000,
    'retainRetiredMs',
    MIN_RETAIN_RETIRED_MS,
  );
  const refreshIntervalMs = positiveMs(options.refreshIntervalMs ?? 60_000, 'refreshIntervalMs');

  let state = buildState([]);
  let lastLoadAt = Number.NEGATIVE_INFINITY;
  // Store operations run one at a time, so a slow reload can never install a view older than the
  // one a concurrent rotate just installed.
  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = queue.then(operation, operation);
    queue = run.catch(() => {});
    return run;
  }

  async function load(): Promise<void> {
    lastLoadAt = clock.now();
    const records = await store.list();
    // Decrypt everything first; a failure leaves the previous view in place.
    state = buildState(records.map((record) => loadSigningKey(record, encryption)));
  }

  async function rotateNow(): Promise<string> {
    const now = clock.now();
    const record = await generateSigningKey({ algorithm, encryption, random, now });
    await store.rotate(record, now);
    await load();
    return record.kid;
  }

  return {
    ensureActiveKey: () =>
      serial(async () => {
        await load();
        const active = state.signing && state.byKid.get(state.signing.kid);
        if (active && clock.now() - active.createdAt < rotationIntervalMs) {
          return { kid: active.kid, rotated: false };
        }
        return { kid: await rotateNow(), rotated: true };
      }),
    rotate: () => serial(rotateNow),
    revoke: (kid) =>
      serial(async () => {
        const removed = await store.remove(kid);
        if (state.signing?.kid === kid) await rotateNow();
        else await load();
        return removed;
      }),
    reload: () => serial(load),
    refreshIfStale() {
      if (clock.now() - lastLoadAt < refreshIntervalMs) return Promise.resolve(false);
      // Claimed before the store is read, so a burst of callers (an unknown-kid flood) costs one read.
      lastLoadAt = clock.now();
      return serial(load).then(() => true);
    },
    pruneRetired: () =>
      serial(async () => {
        const removed = await store.pruneRetired(clock.now() - retainRetiredMs);
        await load();
        return removed;
      }),
    getSigningKey() {
      if (!state.signing) {
        throw new KeyUnavailableError('no active signing key: call ensureActiveKey() first');
      }
      return state.signing;
    },
    getVerificationKey: (kid) => state.byKid.get(kid)?.verificationKey ?? null,
    jwks: () => state.jwks,
  };
}
