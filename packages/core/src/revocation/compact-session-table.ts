/**
 * The session entries of a revocation set, compact: a sid and a sub that are 128-bit ids in
 * canonical base64url (22 characters, what Gatehouse issues) are kept as 16 bytes each in one typed
 * array, `until` as a 32-bit millisecond offset, found through an open-addressing index of 32-bit
 * slots. About 46 bytes per entry at a million entries, against about 165 for a Map of strings to
 * objects. Anything else (other id shapes, an `until` out of range) goes to a plain Map, so every
 * event is kept exactly; the split is invisible to callers.
 */

import { toBase64Url } from '../lib/encoding.ts';

const ID_CHARACTERS = 22;
const ID_WORDS = 4;
/** sid then sub. */
const ENTRY_WORDS = 2 * ID_WORDS;
const MAX_OFFSET = 0xffff_ffff;
const MIN_CAPACITY = 16;

const BASE64URL_VALUES = new Int8Array(128).fill(-1);
const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
for (let index = 0; index < 64; index++) BASE64URL_VALUES[BASE64URL_ALPHABET.charCodeAt(index)] = index;

const idBytes = new Uint8Array(16);
const idWords = new Uint32Array(idBytes.buffer);

/**
 * Decodes a 22-character canonical base64url id into `idWords` (16 bytes); false for any other
 * text, which then stays a string. Never allocates.
 */
function readId(text: string): boolean {
  if (text.length !== ID_CHARACTERS) return false;
  let byte = 0;
  for (let index = 0; index < 20; index += 4) {
    const a = valueAt(text, index);
    const b = valueAt(text, index + 1);
    const c = valueAt(text, index + 2);
    const d = valueAt(text, index + 3);
    if ((a | b | c | d) < 0) return false;
    const group = (a << 18) | (b << 12) | (c << 6) | d;
    idBytes[byte++] = group >>> 16;
    idBytes[byte++] = (group >>> 8) & 0xff;
    idBytes[byte++] = group & 0xff;
  }
  const a = valueAt(text, 20);
  const b = valueAt(text, 21);
  // The last character's four low bits are beyond the 16th byte: canonical means zero.
  if ((a | b) < 0 || (b & 0x0f) !== 0) return false;
  idBytes[15] = (a << 2) | (b >>> 4);
  return true;
}

function valueAt(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? BASE64URL_VALUES[code]! : -1;
}

function writeId(words: Uint32Array, offset: number): string {
  // Through core's encoding module (no Buffer here): the SDK's WebCrypto build swaps that module.
  return toBase64Url(new Uint8Array(words.buffer, words.byteOffset + offset * 4, 16));
}

/** Spreads the id's words over the index (ids are random, but nothing here relies on it). */
function hashWords(w0: number, w1: number, w2: number, w3: number): number {
  let hash = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
  hash = Math.imul(hash ^ w1 ^ (hash >>> 15), 0xc2b2ae35);
  hash = Math.imul(hash ^ w2 ^ (hash >>> 13), 0x85ebca6b);
  hash = Math.imul(hash ^ w3 ^ (hash >>> 16), 0xc2b2ae35);
  return (hash ^ (hash >>> 15)) >>> 0;
}

export interface SessionEntry {
  sid: string;
  sub: string;
  until: number;
}

/** The session entries of one revocation set. Not exported from the package: an internal structure. */
export function createCompactSessionTable(): CompactSessionTable {
  return new CompactSessionTable();
}

/**
 * A class rather than a closure: many small operations share seven pieces of mutable state, and
 * fields keep each operation short and the state in one visible place. No allocation per lookup.
 */
export class CompactSessionTable {
  private capacity = 0;
  private count = 0;
  /** ENTRY_WORDS per entry: sid words, then sub words. Dense: a deletion moves the last entry in. */
  private ids = new Uint32Array(0);
  /** `until - base` per entry, in ms. */
  private untils = new Uint32Array(0);
  private base = 0;
  /** Index: entry number + 1, or 0 for empty; linear probing, at most half full. */
  private slots = new Uint32Array(MIN_CAPACITY * 2);
  private slotMask = MIN_CAPACITY * 2 - 1;
  /** Whatever does not fit the compact form. */
  private readonly others = new Map<string, { sub: string; until: number }>();

  /** The `until` kept for `sid`, or undefined. */
  untilOf(sid: string): number | undefined {
    if (readId(sid)) {
      const slot = this.findSlot();
      if (slot >= 0) return this.base + this.untils[this.slots[slot]! - 1]!;
    }
    return this.others.size > 0 ? this.others.get(sid)?.until : undefined;
  }

  has(sid: string): boolean {
    if (readId(sid) && this.findSlot() >= 0) return true;
    return this.others.size > 0 && this.others.has(sid);
  }

  /** Keeps `sid` → (`sub`, `until`), replacing what was kept for `sid`. */
  set(sid: string, sub: string, until: number): void {
    this.delete(sid);
    const offset = this.offsetOf(until);
    if (offset < 0 || !readId(sub)) {
      this.others.set(sid, { sub, until });
      return;
    }
    const subWords = [idWords[0]!, idWords[1]!, idWords[2]!, idWords[3]!];
    if (!readId(sid)) {
      this.others.set(sid, { sub, until });
      return;
    }
    if (this.count === this.capacity) this.growEntries();
    if ((this.count + 1) * 2 > this.slots.length) this.rebuildIndex(this.slots.length * 2);
    const slot = -this.findSlot() - 1;
    const at = this.count * ENTRY_WORDS;
    this.ids.set(idWords, at);
    this.ids[at + 4] = subWords[0]!;
    this.ids[at + 5] = subWords[1]!;
    this.ids[at + 6] = subWords[2]!;
    this.ids[at + 7] = subWords[3]!;
    this.untils[this.count] = offset;
    this.slots[slot] = this.count + 1;
    this.count++;
  }

  // A compact-shaped sid may still be among `others` (its sub or until did not fit): both are looked at.
  delete(sid: string): boolean {
    if (readId(sid)) {
      const slot = this.findSlot();
      if (slot >= 0) {
        this.removeAt(slot);
        return true;
      }
    }
    return this.others.size > 0 && this.others.delete(sid);
  }

  /** Drops every entry whose `until` makes `isDead` true; returns how many. */
  deleteWhere(isDead: (until: number) => boolean): number {
    let dropped = 0;
    for (let entry = this.count - 1; entry >= 0; entry--) {
      if (!isDead(this.base + this.untils[entry]!)) continue;
      this.removeAt(this.slotOfEntry(entry));
      dropped++;
    }
    for (const [sid, entry] of this.others) if (isDead(entry.until) && this.others.delete(sid)) dropped++;
    // Give memory back once the table is mostly empty.
    if (this.count * 8 < this.capacity && this.capacity > MIN_CAPACITY) this.shrink();
    return dropped;
  }

  get size(): number {
    return this.count + this.others.size;
  }

  /** Every entry, ids as the strings they were given as. */
  *entries(): IterableIterator<SessionEntry> {
    for (let entry = 0; entry < this.count; entry++) {
      const at = entry * ENTRY_WORDS;
      const until = this.base + this.untils[entry]!;
      yield { sid: writeId(this.ids, at), sub: writeId(this.ids, at + ID_WORDS), until };
    }
    for (const [sid, { sub, until }] of this.others) yield { sid, sub, until };
  }

  /** The slot holding the id now in `idWords`, or the empty slot where it would go (negative - 1). */
  private findSlot(): number {
    const { ids, slots, slotMask } = this;
    const w0 = idWords[0]!;
    const w1 = idWords[1]!;
    const w2 = idWords[2]!;
    const w3 = idWords[3]!;
    let slot = hashWords(w0, w1, w2, w3) & slotMask;
    for (;;) {
      const held = slots[slot]!;
      if (held === 0) return -slot - 1;
      const at = (held - 1) * ENTRY_WORDS;
      if (ids[at] === w0 && ids[at + 1] === w1 && ids[at + 2] === w2 && ids[at + 3] === w3) return slot;
      slot = (slot + 1) & slotMask;
    }
  }

  /** The index slot of the entry's sid, where probing from its home slot first meets it. */
  private homeSlotOf(entry: number): number {
    const { ids } = this;
    const at = entry * ENTRY_WORDS;
    return hashWords(ids[at]!, ids[at + 1]!, ids[at + 2]!, ids[at + 3]!) & this.slotMask;
  }

  private slotOfEntry(entry: number): number {
    let slot = this.homeSlotOf(entry);
    while (this.slots[slot] !== entry + 1) slot = (slot + 1) & this.slotMask;
    return slot;
  }

  private growEntries(): void {
    const next = Math.max(MIN_CAPACITY, this.capacity * 2);
    const nextIds = new Uint32Array(next * ENTRY_WORDS);
    nextIds.set(this.ids.subarray(0, this.count * ENTRY_WORDS));
    const nextUntils = new Uint32Array(next);
    nextUntils.set(this.untils.subarray(0, this.count));
    this.ids = nextIds;
    this.untils = nextUntils;
    this.capacity = next;
  }

  private shrink(): void {
    let next = MIN_CAPACITY;
    while (next < this.count * 2) next *= 2;
    this.ids = this.ids.slice(0, next * ENTRY_WORDS);
    this.untils = this.untils.slice(0, next);
    this.capacity = next;
    let slotCount = MIN_CAPACITY * 2;
    while (slotCount < next * 2) slotCount *= 2;
    this.rebuildIndex(slotCount);
  }

  private rebuildIndex(slotCount: number): void {
    const slots = new Uint32Array(slotCount);
    this.slots = slots;
    this.slotMask = slotCount - 1;
    for (let entry = 0; entry < this.count; entry++) {
      let slot = this.homeSlotOf(entry);
      while (slots[slot] !== 0) slot = (slot + 1) & this.slotMask;
      slots[slot] = entry + 1;
    }
  }

  /** Empties `slot` without breaking any probe chain (backward-shift deletion, no tombstones). */
  private clearSlot(slot: number): void {
    const { slots, slotMask } = this;
    let hole = slot;
    let next = (hole + 1) & slotMask;
    while (slots[next] !== 0) {
      const home = this.homeSlotOf(slots[next]! - 1);
      // Move it back into the hole unless its home lies cyclically in (hole, next].
      const homeAfterHole = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (!homeAfterHole) {
        slots[hole] = slots[next]!;
        hole = next;
      }
      next = (next + 1) & slotMask;
    }
    slots[hole] = 0;
  }

  /** Removes the entry at `slot`: its place in the dense arrays is taken by the last entry. */
  private removeAt(slot: number): void {
    const entry = this.slots[slot]! - 1;
    this.clearSlot(slot);
    const last = this.count - 1;
    if (entry !== last) {
      const lastSlot = this.slotOfEntry(last);
      this.ids.copyWithin(entry * ENTRY_WORDS, last * ENTRY_WORDS, (last + 1) * ENTRY_WORDS);
      this.untils[entry] = this.untils[last]!;
      this.slots[lastSlot] = entry + 1;
    }
    this.count--;
  }

  /** An offset for `until`, moving the base when the live entries allow; -1 when it cannot fit. */
  private offsetOf(until: number): number {
    if (!Number.isSafeInteger(until)) return -1;
    if (this.count === 0) this.base = until;
    const offset = until - this.base;
    if (offset >= 0 && offset <= MAX_OFFSET) return offset;
    const { untils, count } = this;
    let lowest = until;
    let highest = until;
    for (let entry = 0; entry < count; entry++) {
      const value = this.base + untils[entry]!;
      if (value < lowest) lowest = value;
      if (value > highest) highest = value;
    }
    if (highest - lowest > MAX_OFFSET) return -1;
    const shift = this.base - lowest;
    for (let entry = 0; entry < count; entry++) untils[entry] = untils[entry]! + shift;
    this.base = lowest;
    return until - this.base;
  }
}
