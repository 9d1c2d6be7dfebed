import type { RevocationEvent } from '@gatehouse/core';
import type { Principal } from '../types.ts';

/** The identifiers a revocation event can name; an entry is indexed under each it has. */
export interface CacheIndexKeys {
  sid: string;
  sub: string;
  jti?: string;
  kid?: string;
  /** An access token's `iat` (seconds): a `user` event revokes only tokens issued before its `before`. */
  iat?: number;
}

interface Entry extends CacheIndexKeys {
  key: string;
  tag: string;
  kind: Principal['strategy'];
  /** Null for a tombstone: this exact credential was revoked by an event, and is refused until `expiresAtMs`. */
  principal: Principal | null;
  expiresAtMs: number;
}

type IndexName = Exclude<keyof CacheIndexKeys, 'iat'>;

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

/**
 * Whether `event` on its own revokes this cached access token, by the rule the full path's
 * revocation-set check applies: a session, token or key event revokes every token it names; a
 * `user` event only tokens issued before its `before` (a missing `iat` counts as before, as in the
 * set). Session cookies are never kept: their full path asks the host's store again (which sees
 * the request, and may be down: 503), so a tombstone would change its answer.
 */
function revokes(event: RevocationEvent, entry: Entry): boolean {
  if (entry.kind === 'session') return false;
  if (event.type !== 'user') return true;
  return entry.iat === undefined || entry.iat * 1000 < event.before;
}

export interface VerificationCache {
  /**
   * The principal remembered for exactly this credential string, unless it expired; null when a
   * revocation event named exactly this credential (a tombstone): the caller refuses it.
   */
  get(key: string, kind: Principal['strategy'], nowMs: number): Principal | null | undefined;
  set(key: string, principal: Principal, expiresAtMs: number, index: CacheIndexKeys): void;
  /**
   * Stops accepting every entry the event names; returns how many. An entry the event itself
   * revokes stays as a tombstone until the earlier of its own expiry and the event's `until`
   * (the revocation set keeps the event at least that long, so the full path would refuse it as
   * well); the others are dropped. Cost is proportional to the number named.
   */
  drop(event: RevocationEvent, nowMs?: number): number;
  /** Entries that can accept a credential (tombstones not counted). */
  readonly size: number;
  /** Tombstones held; they count against `maxEntries` with the rest. */
  readonly tombstones: number;
}

/** One shape for every entry (absent indexes are undefined), built without a spread. */
function makeEntry(
  key: string,
  tag: string,
  principal: Principal,
  expiresAtMs: number,
  index: CacheIndexKeys,
): Entry {
  return {
    sid: index.sid,
    sub: index.sub,
    jti: index.jti,
    kid: index.kid,
    iat: index.iat,
    key,
    tag,
    kind: principal.strategy,
    principal,
    expiresAtMs,
  };
}

/**
 * One index: the tags filed under each value. A value with one tag (every jti, most sids) holds
 * the tag itself, not a Set of one: no Set is built or emptied for it on the first-sight path.
 */
type Index = Map<string, string | Set<string>>;

function addTag(index: Index, value: string | undefined, tag: string): void {
  if (value === undefined) return;
  const tags = index.get(value);
  if (tags === undefined) index.set(value, tag);
  else if (typeof tags === 'string') {
    if (tags !== tag) index.set(value, new Set([tags, tag]));
  } else tags.add(tag);
}

function removeTag(index: Index, value: string | undefined, tag: string): void {
  if (value === undefined) return;
  const tags = index.get(value);
  if (tags === undefined) return;
  if (typeof tags === 'string') {
    if (tags === tag) index.delete(value);
  } else if (tags.delete(tag) && tags.size === 0) index.delete(value);
}

/** Written out per index rather than looped over names: a keyed load by name is megamorphic. */
function unindex(indexes: Record<IndexName, Index>, entry: Entry): void {
  removeTag(indexes.sid, entry.sid, entry.tag);
  removeTag(indexes.sub, entry.sub, entry.tag);
  removeTag(indexes.jti, entry.jti, entry.tag);
  removeTag(indexes.kid, entry.kid, entry.tag);
}

/** Keys up to this long are their own tag. */
const TAG_LENGTH = 24;

/**
 * Where an entry is filed: the credential's last characters (a token's signature, a cookie's
 * secret: random in every credential worth caching). A fresh 400-character header string costs
 * a hash of its whole length in a Map; its tail costs a tenth of that. Whatever shares a tag, an
 * entry is only ever returned for its exact credential string.
 */
function tagOf(key: string): string {
  return key.length <= TAG_LENGTH ? key : key.slice(key.length - TAG_LENGTH);
}

/**
 * A bounded LRU of verified credentials, matched on the whole token or cookie string: a key that
 * is only the `jti` would let any token carrying a known jti ride on another's verification. Filed
 * by tag (see `tagOf`); two credentials with one tag do not share a slot, the later replaces the
 * earlier. A Map keeps insertion order, so re-inserting on a hit makes the first the least
 * recently used.
 */
export function createVerificationCache(maxEntries: number): VerificationCache {
  const entries = new Map<string, Entry>();
  const indexes: Record<IndexName, Index> = {
    sid: new Map(),
    sub: new Map(),
    jti: new Map(),
    kid: new Map(),
  };

  /** The most recently used entry, last in `entries`: a hit on it needs no re-insertion. */
  let newest: Entry | undefined;
  let tombstones = 0;

  function remove(entry: Entry): void {
    if (entry === newest) newest = undefined;
    entries.delete(entry.tag);
    // A tombstone was taken out of the indexes when it was made.
    if (entry.principal === null) tombstones--;
    else unindex(indexes, entry);
  }

  return {
    get(key, kind, nowMs) {
      const tag = tagOf(key);
      const entry = entries.get(tag);
      if (!entry || entry.key !== key || entry.kind !== kind) return undefined;
      if (nowMs >= entry.expiresAtMs) {
        remove(entry);
        return undefined;
      }
      if (entry !== newest) {
        entries.delete(tag);
        entries.set(tag, entry);
        newest = entry;
      }
      return entry.principal;
    },

    set(key, principal, expiresAtMs, index) {
      if (maxEntries === 0) return;
      const tag = tagOf(key);
      const previous = entries.get(tag);
      if (previous) remove(previous);
      const entry = makeEntry(key, tag, principal, expiresAtMs, index);
      entries.set(tag, entry);
      newest = entry;
      addTag(indexes.sid, entry.sid, tag);
      addTag(indexes.sub, entry.sub, tag);
      addTag(indexes.jti, entry.jti, tag);
      addTag(indexes.kid, entry.kid, tag);
      if (entries.size > maxEntries) remove(entries.values().next().value!);
    },

    drop(event, nowMs = 0) {
      const [name, value] = namedBy(event);
      const tags = indexes[name].get(value);
      if (tags === undefined) return 0;
      let dropped = 0;
      for (const tag of typeof tags === 'string' ? [tags] : [...tags]) {
        const entry = entries.get(tag);
        if (!entry) continue;
        dropped++;
        const untilMs = Math.min(entry.expiresAtMs, event.until);
        if (untilMs <= nowMs || !revokes(event, entry)) {
          remove(entry);
          continue;
        }
        // Only the exact credential string can reach it (get compares the whole key); no later
        // event needs to find it, so it leaves the indexes, and its principal is let go.
        unindex(indexes, entry);
        entry.principal = null;
        entry.expiresAtMs = untilMs;
        tombstones++;
      }
      return dropped;
    },

    get size() {
      return entries.size - tombstones;
    },

    get tombstones() {
      return tombstones;
    },
  };
}
