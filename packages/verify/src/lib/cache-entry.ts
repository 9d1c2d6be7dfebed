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
 * One remembered credential, threaded through the cache's lists: the chain of its tag's bucket,
 * the recency order, and the chain of the bucket of each of its `sid`, `sub` and `jti` values
 * (entry-index.ts). Links are undefined at either end and outside a list. One class, so every
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
  /** The next entry in the bucket of its tag (which may hold other tags). */
  sameTag: Entry | undefined = undefined;
  older: Entry | undefined = undefined;
  newer: Entry | undefined = undefined;
  sidPrevious: Entry | undefined = undefined;
  sidNext: Entry | undefined = undefined;
  subPrevious: Entry | undefined = undefined;
  subNext: Entry | undefined = undefined;
  jtiPrevious: Entry | undefined = undefined;
  jtiNext: Entry | undefined = undefined;
  /** `hashOf` each identifier: where the entry is filed (entry-index.ts). */
  readonly sidHash: number;
  readonly subHash: number;
  readonly jtiHash: number;

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
    this.sidHash = hashOf(index.sid);
    this.subHash = hashOf(index.sub);
    this.jtiHash = index.jti === undefined ? 0 : hashOf(index.jti);
  }
}

/** How many of a credential's last characters its tag is made from. */
const TAG_CHARACTERS = 10;

/**
 * Where an entry is filed: a 30-bit number (a small integer to V8: no string is made; its low
 * bits pick the entry's bucket, entry-index.ts) from the credential's last characters (a token's signature, a
 * cookie's secret: random in every credential worth caching), rotated and xor-ed in 32-bit integer
 * arithmetic only. A fresh 400-character header string would cost a hash of its whole length in
 * a Map, a slice of its tail an allocation and a hash. Credentials that share a bucket are
 * chained (`Entry.sameTag`), never put in each other's place. `start`: the credential is `text` from
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

/** How many of an identifier's last characters `hashOf` reads (with its length and first one). */
const HASH_CHARACTERS = 8;

/**
 * A `sid`, `sub` or `jti` value's bucket number (entry-index.ts), like `tagOf` from its length and
 * last characters (random in a `sid` or `jti`), and its first (subs may end alike: emails). Values
 * that share it only share a bucket: each reader compares the value itself.
 */
export function hashOf(text: string): number {
  const end = text.length;
  if (end === 0) return 0;
  let hash = end ^ (text.charCodeAt(0) << 8);
  for (let at = end > HASH_CHARACTERS ? end - HASH_CHARACTERS : 0; at < end; at++) {
    hash = ((hash << 7) | (hash >>> 25)) ^ text.charCodeAt(at);
  }
  return (hash ^ (hash >>> 15)) & 0x3fffffff;
}
