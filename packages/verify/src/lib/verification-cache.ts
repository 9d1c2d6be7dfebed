import type { RevocationEvent } from '@gatehouse/core';
import type { Principal } from '../types.ts';

/** The identifiers a revocation event can name; an entry is indexed under each it has. */
export interface CacheIndexKeys {
  sid: string;
  sub: string;
  jti?: string;
  kid?: string;
}

interface Entry extends CacheIndexKeys {
  key: string;
  kind: Principal['strategy'];
  principal: Principal;
  expiresAtMs: number;
}

type IndexName = keyof CacheIndexKeys;
const INDEXES: readonly IndexName[] = ['sid', 'sub', 'jti', 'kid'];

/** Which index an event searches, and for what. A `user` event drops all of the user's entries, whatever their `iat`. */
function namedBy(event: RevocationEvent): [IndexName, string] {
  switch (event.type) {
    case 'session':
      return ['sid', event.sid];
    case 'user':
      return ['sub', event.sub];
    case 'token':
      return ['jti', event.jti];
    case 'key':
      return ['kid', event.kid];
  }
}

export interface VerificationCache {
  /** The principal remembered for exactly this credential string, unless it expired. */
  get(key: string, kind: Principal['strategy'], nowMs: number): Principal | undefined;
  set(key: string, principal: Principal, expiresAtMs: number, index: CacheIndexKeys): void;
  /** Drops every entry the event names; returns how many. Cost is proportional to that number. */
  drop(event: RevocationEvent): number;
  readonly size: number;
}

/**
 * A bounded LRU of verified credentials, keyed by the whole token or cookie string: a key that is
 * only the `jti` would let any token carrying a known jti ride on another's verification. A Map
 * keeps insertion order, so re-inserting on a hit makes the first key the least recently used.
 */
export function createVerificationCache(maxEntries: number): VerificationCache {
  const entries = new Map<string, Entry>();
  const indexes: Record<IndexName, Map<string, Set<string>>> = {
    sid: new Map(),
    sub: new Map(),
    jti: new Map(),
    kid: new Map(),
  };

  function remove(entry: Entry): void {
    entries.delete(entry.key);
    for (const name of INDEXES) {
      const value = entry[name];
      if (value === undefined) continue;
      const keys = indexes[name].get(value);
      keys?.delete(entry.key);
      if (keys?.size === 0) indexes[name].delete(value);
    }
  }

  return {
    get(key, kind, nowMs) {
      const entry = entries.get(key);
      if (!entry || entry.kind !== kind) return undefined;
      if (nowMs >= entry.expiresAtMs) {
        remove(entry);
        return undefined;
      }
      entries.delete(key);
      entries.set(key, entry);
      return entry.principal;
    },

    set(key, principal, expiresAtMs, index) {
      if (maxEntries === 0) return;
      const previous = entries.get(key);
      if (previous) remove(previous);
      const entry: Entry = { ...index, key, kind: principal.strategy, principal, expiresAtMs };
      entries.set(key, entry);
      for (const name of INDEXES) {
        const value = entry[name];
        if (value === undefined) continue;
        const keys = indexes[name].get(value);
        if (keys) keys.add(key);
        else indexes[name].set(value, new Set([key]));
      }
      if (entries.size > maxEntries) remove(entries.values().next().value!);
    },

    drop(event) {
      const [name, value] = namedBy(event);
      const keys = indexes[name].get(value);
      if (!keys) return 0;
      let dropped = 0;
      for (const key of [...keys]) {
        const entry = entries.get(key);
        if (entry) {
          remove(entry);
          dropped++;
        }
      }
      return dropped;
    },

    get size() {
      return entries.size;
    },
  };
}
