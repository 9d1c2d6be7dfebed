import { type Entry, hashOf } from './cache-entry.ts';

type Buckets = (Entry | undefined)[];

const FIRST_BUCKETS = 16;

/**
 * Where the cache finds its entries: by tag, and by each `sid`, `sub` and `jti` value. Each is an
 * array of buckets, every bucket the first of a chain threaded through the entries' own links
 * (`sameTag`, `sidNext`...); a chain may hold entries of other tags or values that fell in the
 * same bucket, so every reader compares the entry's own tag or value. There are as many buckets
 * as entries can be held (a power of two, grown by doubling while the cache fills), so chains
 * stay short.
 *
 * Not Maps: a cache that meets a new token on every request inserts and deletes a Map key each
 * time, and a Map that deletes and inserts is rehashed every few dozen calls into a new table. A
 * replaced table that had reached the old generation still points to the entries it held and to
 * its successor, so every scavenge found all entries made since the last full GC alive through
 * that chain of dead tables, copied them, then promoted them: about 1 kB per first sight, each
 * later collected by a mark-compact. Buckets are written in place and never replaced once grown.
 */
export class EntryIndex {
  private readonly maxBuckets: number;
  private mask = FIRST_BUCKETS - 1;
  private byTag: Buckets = new Array(FIRST_BUCKETS).fill(undefined);
  private bySid: Buckets = new Array(FIRST_BUCKETS).fill(undefined);
  private bySub: Buckets = new Array(FIRST_BUCKETS).fill(undefined);
  private byJti: Buckets = new Array(FIRST_BUCKETS).fill(undefined);

  constructor(maxEntries: number) {
    let buckets = FIRST_BUCKETS;
    while (buckets < maxEntries) buckets *= 2;
    this.maxBuckets = buckets;
  }

  /** The first entry of the chain where entries with this tag are (others may be in it too). */
  withTag(tag: number): Entry | undefined {
    return this.byTag[tag & this.mask];
  }

  withSid(sid: string): Entry | undefined {
    return this.bySid[hashOf(sid) & this.mask];
  }

  withSub(sub: string): Entry | undefined {
    return this.bySub[hashOf(sub) & this.mask];
  }

  withJti(jti: string): Entry | undefined {
    return this.byJti[hashOf(jti) & this.mask];
  }

  /**
   * Files a new entry under its tag and identifiers. `held`: the entries held before it; `oldest`
   * the first of them in recency order, through which they are filed again when the buckets grow.
   */
  add(entry: Entry, held: number, oldest: Entry | undefined): void {
    if (held >= this.byTag.length && this.byTag.length < this.maxBuckets) this.grow(oldest);
    this.link(entry);
  }

  private link(entry: Entry): void {
    const { mask } = this;
    const tagAt = entry.tag & mask;
    entry.sameTag = this.byTag[tagAt];
    this.byTag[tagAt] = entry;
    // A tombstone (no principal) is in no identifier's chain: no event needs to find it.
    if (entry.principal === null) return;
    const sidAt = entry.sidHash & mask;
    const sidFirst = this.bySid[sidAt];
    entry.sidNext = sidFirst;
    if (sidFirst !== undefined) sidFirst.sidPrevious = entry;
    this.bySid[sidAt] = entry;
    const subAt = entry.subHash & mask;
    const subFirst = this.bySub[subAt];
    entry.subNext = subFirst;
    if (subFirst !== undefined) subFirst.subPrevious = entry;
    this.bySub[subAt] = entry;
    if (entry.jti === undefined) return;
    const jtiAt = entry.jtiHash & mask;
    const jtiFirst = this.byJti[jtiAt];
    entry.jtiNext = jtiFirst;
    if (jtiFirst !== undefined) jtiFirst.jtiPrevious = entry;
    this.byJti[jtiAt] = entry;
  }

  /** Every held entry filed again in twice as many buckets. */
  private grow(oldest: Entry | undefined): void {
    const buckets = this.byTag.length * 2;
    this.mask = buckets - 1;
    this.byTag = new Array(buckets).fill(undefined);
    this.bySid = new Array(buckets).fill(undefined);
    this.bySub = new Array(buckets).fill(undefined);
    this.byJti = new Array(buckets).fill(undefined);
    for (let entry = oldest; entry !== undefined; entry = entry.newer) {
      entry.sameTag = entry.sidPrevious = entry.sidNext = undefined;
      entry.subPrevious = entry.subNext = entry.jtiPrevious = entry.jtiNext = undefined;
      this.link(entry);
    }
  }

  /** Takes a held entry out of its tag's chain (and, unless already done, its identifiers'). */
  remove(entry: Entry): void {
    const tagAt = entry.tag & this.mask;
    const first = this.byTag[tagAt]!;
    if (first === entry) this.byTag[tagAt] = entry.sameTag;
    else {
      let before = first;
      while (before.sameTag !== entry) before = before.sameTag!;
      before.sameTag = entry.sameTag;
    }
    entry.sameTag = undefined;
    if (entry.principal !== null) this.unindex(entry);
  }

  /** Takes an entry out of its identifiers' chains: it can no longer be found by an event. */
  unindex(entry: Entry): void {
    const { mask } = this;
    const { sidPrevious, sidNext } = entry;
    if (sidNext !== undefined) sidNext.sidPrevious = sidPrevious;
    if (sidPrevious !== undefined) sidPrevious.sidNext = sidNext;
    else this.bySid[entry.sidHash & mask] = sidNext;
    entry.sidPrevious = entry.sidNext = undefined;
    const { subPrevious, subNext } = entry;
    if (subNext !== undefined) subNext.subPrevious = subPrevious;
    if (subPrevious !== undefined) subPrevious.subNext = subNext;
    else this.bySub[entry.subHash & mask] = subNext;
    entry.subPrevious = entry.subNext = undefined;
    if (entry.jti === undefined) return;
    const { jtiPrevious, jtiNext } = entry;
    if (jtiNext !== undefined) jtiNext.jtiPrevious = jtiPrevious;
    if (jtiPrevious !== undefined) jtiPrevious.jtiNext = jtiNext;
    else this.byJti[entry.jtiHash & mask] = jtiNext;
    entry.jtiPrevious = entry.jtiNext = undefined;
  }
}
