import type { Principal } from '../types.ts';

/** The identifiers a revocation event can name; an entry is found by each it has. */
export interface CacheIndexKeys {
  sid: string;
  sub: string;
  jti?: string;
  kid?: string;
  /** An access token's `iat` (seconds): a `user` event revokes only tokens issued before its `before`. */
  iat?: number;
}

/**
 * One remembered credential, threaded through the cache's lists: its tag's collision chain, the
 * recency order, and one list per value of `sid`, `sub` and `jti` (every entry in such a list
 * carries that value). Links are undefined at either end and outside a list. One class, so every
 * entry has one shape.
 */
export class Entry {
  /** The credential; re-cut from `header` when a header matched it (one string held either way). */
  key: string;
  /** The last header this entry answered: `Bearer <key>` (getBearer), or the Cookie header `key` was read from. */
  header: string | undefined = undefined;
  readonly tag: number;
  readonly kind: Principal['strategy'];
  /** Null for a tombstone: this exact credential was revoked by an event, and is refused until `expiresAtMs`. */
  principal: Principal | null;
  expiresAtMs: number;
  readonly sid: string;
  readonly sub: string;
  readonly jti: string | undefined;
  readonly kid: string | undefined;
  readonly iat: number | undefined;
  /** The next entry filed under the same tag. */
  sameTag: Entry | undefined = undefined;
  older: Entry | undefined = undefined;
  newer: Entry | undefined = undefined;
  sidPrevious: Entry | undefined = undefined;
  sidNext: Entry | undefined = undefined;
  subPrevious: Entry | undefined = undefined;
  subNext: Entry | undefined = undefined;
  jtiPrevious: Entry | undefined = undefined;
  jtiNext: Entry | undefined = undefined;

  constructor(key: string, tag: number, principal: Principal, expiresAtMs: number, index: CacheIndexKeys) {
    this.key = key;
    this.tag = tag;
    this.kind = principal.strategy;
    this.principal = principal;
    this.expiresAtMs = expiresAtMs;
    this.sid = index.sid;
    this.sub = index.sub;
    this.jti = index.jti;
    this.kid = index.kid;
    this.iat = index.iat;
  }
}

/** How many of a credential's last characters its tag is made from. */
const TAG_CHARACTERS = 10;

/**
 * Where an entry is filed: a 30-bit number (a small integer to V8: no string is made, and a Map
 * hashes it in a few instructions) from the credential's last characters (a token's signature, a
 * cookie's secret: random in every credential worth caching), rotated and xor-ed in 32-bit integer
 * arithmetic only. A fresh 400-character header string would cost a hash of its whole length in
 * a Map, a slice of its tail an allocation and a hash. Credentials that share a tag are chained
 * (`Entry.sameTag`), never put in each other's place. `start`: the credential is `text` from
 * there on (a `Bearer ` header's token, tagged without slicing it); the same tag as the slice's.
 */
export function tagOf(text: string, start = 0): number {
  const end = text.length;
  let tag = end - start;
  // Rotated by 7 bits (a character's) each step: no character's bits are shifted out.
  for (let at = end - start > TAG_CHARACTERS ? end - TAG_CHARACTERS : start; at < end; at++) {
    tag = ((tag << 7) | (tag >>> 25)) ^ text.charCodeAt(at);
  }
  return (tag ^ (tag >>> 30)) & 0x3fffffff;
}

/**
 * The entries carrying each value of one identifier: the first of them by value, the rest linked
 * from it. Written out per identifier (below) rather than by property name: a keyed access by a
 * name is megamorphic.
 */
export type Index = Map<string, Entry>;

// A new entry goes second in its list when there is one: the Map is written only for a new value.
export function linkSid(index: Index, entry: Entry): void {
  const first = index.get(entry.sid);
  if (first === undefined) index.set(entry.sid, entry);
  else {
    entry.sidPrevious = first;
    entry.sidNext = first.sidNext;
    if (first.sidNext !== undefined) first.sidNext.sidPrevious = entry;
    first.sidNext = entry;
  }
}

export function unlinkSid(index: Index, entry: Entry): void {
  const { sidPrevious: previous, sidNext: next } = entry;
  if (next !== undefined) next.sidPrevious = previous;
  if (previous !== undefined) previous.sidNext = next;
  else if (next === undefined) index.delete(entry.sid);
  else index.set(entry.sid, next);
  entry.sidPrevious = entry.sidNext = undefined;
}

export function linkSub(index: Index, entry: Entry): void {
  const first = index.get(entry.sub);
  if (first === undefined) index.set(entry.sub, entry);
  else {
    entry.subPrevious = first;
    entry.subNext = first.subNext;
    if (first.subNext !== undefined) first.subNext.subPrevious = entry;
    first.subNext = entry;
  }
}

export function unlinkSub(index: Index, entry: Entry): void {
  const { subPrevious: previous, subNext: next } = entry;
  if (next !== undefined) next.subPrevious = previous;
  if (previous !== undefined) previous.subNext = next;
  else if (next === undefined) index.delete(entry.sub);
  else index.set(entry.sub, next);
  entry.subPrevious = entry.subNext = undefined;
}

export function linkJti(index: Index, entry: Entry): void {
  if (entry.jti === undefined) return;
  const first = index.get(entry.jti);
  if (first === undefined) index.set(entry.jti, entry);
  else {
    entry.jtiPrevious = first;
    entry.jtiNext = first.jtiNext;
    if (first.jtiNext !== undefined) first.jtiNext.jtiPrevious = entry;
    first.jtiNext = entry;
  }
}

export function unlinkJti(index: Index, entry: Entry): void {
  if (entry.jti === undefined) return;
  const { jtiPrevious: previous, jtiNext: next } = entry;
  if (next !== undefined) next.jtiPrevious = previous;
  if (previous !== undefined) previous.jtiNext = next;
  else if (next === undefined) index.delete(entry.jti);
  else index.set(entry.jti, next);
  entry.jtiPrevious = entry.jtiNext = undefined;
}
