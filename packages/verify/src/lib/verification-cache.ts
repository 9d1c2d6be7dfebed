import type { RevocationEvent } from '@gatehouse/core';
import type { Principal } from '../types.ts';
import { type CacheIndexKeys, Entry, tagOf } from './cache-entry.ts';
import { EntryIndex } from './entry-index.ts';

export type { CacheIndexKeys } from './cache-entry.ts';

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
   * revocation event named exactly this credential (a tombstone): the caller refuses it. `source`,
   * when given, is the text `key` was read from by a pure function of that text (a Cookie header):
   * the entry keeps the last one it matched, and the same text again is the same key, known
   * without comparing a slice of it.
   */
  get(key: string, kind: Principal['strategy'], nowMs: number, source?: string): Principal | null | undefined;
  /**
   * `get(header.slice(7), 'jwt', nowMs)` for an Authorization header the caller found to start
   * with `Bearer `: the same entry, matched on the same exact token, without slicing the header.
   */
  getBearer(header: string, nowMs: number): Principal | null | undefined;
  /**
   * The session principal whose entry kept (see `get`) exactly this Cookie header, found by the
   * header's own tag without reading it; else undefined, and the caller reads it and asks `get`.
   */
  getKnownSource(header: string, nowMs: number): Principal | undefined;
  set(key: string, principal: Principal, expiresAtMs: number, index: CacheIndexKeys): void;
  /**
   * Stops accepting every entry the event names; returns how many. An entry the event itself
   * revokes stays as a tombstone until the earlier of its own expiry and the event's `until`
   * (the revocation set keeps the event at least that long, so the full path would refuse it as
   * well); the others are dropped. Cost is proportional to the number named, except for a `key`
   * event (rare; one key signs nearly every entry), which walks the whole cache.
   */
  drop(event: RevocationEvent, nowMs?: number): number;
  /**
   * Drops every session entry; returns how many. For when the feed lost continuity: a session that
   * ended with the data the feed lost has no event to drop it. Walks the whole cache (rare).
   */
  dropSessions(): number;
  /** Entries that can accept a credential (tombstones not counted). */
  readonly size: number;
  /** Tombstones held; they count against `maxEntries` with the rest. */
  readonly tombstones: number;
}

/**
 * A bounded LRU of verified credentials, matched on the whole token or cookie string: a key that
 * is only the `jti` would let any token carrying a known jti ride on another's verification. Filed
 * by tag (`tagOf`, injectable for tests) in buckets; credentials in one bucket are chained, each
 * only ever returned for its own exact string. Recency is a list threaded through the entries: a
 * hit moves its entry to the newest end, an insert into a full cache evicts the oldest. A
 * revocation event finds its entries through the buckets of `sid`, `sub` and `jti` values
 * (entry-index.ts).
 */
export function createVerificationCache(maxEntries: number, tagFor = tagOf): VerificationCache {
  return new LruCache(maxEntries, tagFor);
}

/**
 * Whether `entry` is an access token's and `header` is `Bearer ` and exactly its token. The first
 * match compares the token to a slice of the header (a runtime compare); the header is then kept,
 * so the next requests with that header string compare two whole strings in one pass.
 */
function holdsBearer(entry: Entry, header: string): boolean {
  if (entry.kind !== 'jwt') return false;
  if (entry.header === header) return true;
  if (header.length !== entry.key.length + 7) return false;
  const token = header.slice(7);
  if (token !== entry.key) return false;
  holdSource(entry, token, header);
  return true;
}

/** Keeps the header a matching key was cut from, and that key instead of the one it replaces. */
function holdSource(entry: Entry, key: string, header: string): void {
  // The entry then holds this header, not the one the older key was cut from: one either way.
  entry.key = key;
  entry.header = header;
}

class LruCache implements VerificationCache {
  private readonly maxEntries: number;
  private readonly tagFor: (text: string, start: number) => number;
  private readonly index: EntryIndex;
  /** Session entries by the tag of the Cookie header they kept (`holdSource`); one per tag, the latest. */
  private readonly sources = new Map<number, Entry>();
  private oldest: Entry | undefined = undefined;
  private newest: Entry | undefined = undefined;
  /** Entries held, tombstones included: what `maxEntries` bounds. */
  private count = 0;
  private tombstoneCount = 0;

  constructor(maxEntries: number, tagFor: (text: string, start: number) => number) {
    this.maxEntries = maxEntries;
    this.tagFor = tagFor;
    this.index = new EntryIndex(maxEntries);
  }

  get size(): number {
    return this.count - this.tombstoneCount;
  }

  get tombstones(): number {
    return this.tombstoneCount;
  }

  get(
    key: string,
    kind: Principal['strategy'],
    nowMs: number,
    source?: string,
  ): Principal | null | undefined {
    const tag = this.tagFor(key, 0);
    let entry = this.index.withTag(tag);
    // This tag's entries only: the same key, or a session's kept source text (it reads to the same key).
    while (
      entry !== undefined &&
      (entry.tag !== tag || (entry.key !== key && (source === undefined || entry.header !== source)))
    )
      entry = entry.sameTag;
    if (entry === undefined || entry.kind !== kind) return undefined;
    if (source !== undefined && entry.header !== source) {
      // A session entry is filed under the tag of the header it now keeps, no longer its last one's.
      if (kind === 'session') {
        this.forgetSource(entry);
        this.sources.set(this.tagFor(source, 0), entry);
      }
      holdSource(entry, key, source);
    }
    return this.hit(entry, nowMs);
  }

  getBearer(header: string, nowMs: number): Principal | null | undefined {
    // The header's last characters are the token's (from 7 on): the token's own tag.
    const tag = this.tagFor(header, 7);
    let entry = this.index.withTag(tag);
    // Another tag is another token: only the entries of this one's are compared with it.
    while (entry !== undefined && (entry.tag !== tag || !holdsBearer(entry, header))) entry = entry.sameTag;
    return entry === undefined ? undefined : this.hit(entry, nowMs);
  }

  getKnownSource(header: string, nowMs: number): Principal | undefined {
    const entry = this.sources.get(this.tagFor(header, 0));
    // Only `get` keeps a source, with the key it read to; a session entry is never a tombstone.
    if (entry === undefined || entry.header !== header || entry.kind !== 'session') return undefined;
    return this.hit(entry, nowMs) ?? undefined;
  }

  /** Takes an entry out of `sources`, where its kept header filed it (if it still holds the slot). */
  private forgetSource(entry: Entry): void {
    if (entry.header === undefined || entry.kind !== 'session') return;
    const tag = this.tagFor(entry.header, 0);
    if (this.sources.get(tag) === entry) this.sources.delete(tag);
  }

  /** A matched entry's answer, made the most recently used; an expired one is removed. */
  private hit(entry: Entry, nowMs: number): Principal | null | undefined {
    if (nowMs >= entry.expiresAtMs) {
      this.remove(entry);
      return undefined;
    }
    if (entry !== this.newest) {
      this.unlinkRecency(entry);
      this.linkNewest(entry);
    }
    return entry.principal;
  }

  set(key: string, principal: Principal, expiresAtMs: number, index: CacheIndexKeys): void {
    if (this.maxEntries === 0) return;
    const tag = this.tagFor(key, 0);
    let same = this.index.withTag(tag);
    while (same !== undefined && (same.tag !== tag || same.key !== key)) same = same.sameTag;
    // The same string again replaces its entry; otherwise a full cache lets its oldest go.
    const leaving = same ?? (this.count >= this.maxEntries ? this.oldest : undefined);
    if (leaving !== undefined) this.remove(leaving);
    const entry = new Entry(key, tag, principal, expiresAtMs, index);
    this.index.add(entry, this.count, this.oldest);
    this.linkNewest(entry);
    this.count++;
  }

  drop(event: RevocationEvent, nowMs = 0): number {
    let dropped = 0;
    let entry: Entry | undefined;
    let next: Entry | undefined;
    // Each list is read one step ahead: settling an entry takes it out of every list.
    switch (event.type) {
      case 'session':
        for (entry = this.index.withSid(event.sid); entry !== undefined; entry = next) {
          next = entry.sidNext;
          if (entry.sid !== event.sid) continue;
          this.settle(entry, event, nowMs);
          dropped++;
        }
        break;
      case 'user':
        for (entry = this.index.withSub(event.sub); entry !== undefined; entry = next) {
          next = entry.subNext;
          if (entry.sub !== event.sub) continue;
          this.settle(entry, event, nowMs);
          dropped++;
        }
        break;
      case 'token':
        for (entry = this.index.withJti(event.jti); entry !== undefined; entry = next) {
          next = entry.jtiNext;
          if (entry.jti !== event.jti) continue;
          this.settle(entry, event, nowMs);
          dropped++;
        }
        break;
      case 'key':
        for (entry = this.oldest; entry !== undefined; entry = next) {
          next = entry.newer;
          if (entry.principal === null || entry.kid !== event.kid) continue;
          this.settle(entry, event, nowMs);
          dropped++;
        }
        break;
    }
    return dropped;
  }

  dropSessions(): number {
    let dropped = 0;
    let next: Entry | undefined;
    for (let entry = this.oldest; entry !== undefined; entry = next) {
      next = entry.newer;
      if (entry.kind !== 'session') continue;
      this.remove(entry);
      dropped++;
    }
    return dropped;
  }

  /** An entry the event names: dropped, or kept as a tombstone until it could no longer be accepted. */
  private settle(entry: Entry, event: RevocationEvent, nowMs: number): void {
    const untilMs = Math.min(entry.expiresAtMs, event.until);
    if (untilMs <= nowMs || !revokes(event, entry)) {
      this.remove(entry);
      return;
    }
    // Only the exact credential string can reach it (get compares the whole key); no later
    // event needs to find it, so it leaves the indexes, and its principal is let go.
    this.index.unindex(entry);
    entry.principal = null;
    entry.expiresAtMs = untilMs;
    this.tombstoneCount++;
  }

  private remove(entry: Entry): void {
    // A tombstone was taken out of the identifiers' buckets when it was made.
    if (entry.principal === null) this.tombstoneCount--;
    this.index.remove(entry);
    this.forgetSource(entry);
    this.unlinkRecency(entry);
    // A removed entry that reached the old generation would otherwise keep every newer entry
    // (through `newer`) alive across scavenges, so that each of them got promoted in turn.
    entry.older = entry.newer = undefined;
    this.count--;
  }

  private unlinkRecency(entry: Entry): void {
    const { older, newer } = entry;
    if (older === undefined) this.oldest = newer;
    else older.newer = newer;
    if (newer === undefined) this.newest = older;
    else newer.older = older;
  }

  /** Makes `entry`, in no list, the newest. */
  private linkNewest(entry: Entry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest === undefined) this.oldest = entry;
    else this.newest.newer = entry;
    this.newest = entry;
  }
}
