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
export function createCompactSessionTable() {
  let capacity = 0;
  let count = 0;
  /** ENTRY_WORDS per entry: sid words, then sub words. Dense: a deletion moves the last entry in. */
  let ids = new Uint32Array(0);
  /** `until - base` per entry, in ms. */
  let untils = new Uint32Array(0);
  let base = 0;
  /** Index: entry number + 1, or 0 for empty; linear probing, at most half full. */
  let slots = new Uint32Array(MIN_CAPACITY * 2);
  let slotMask = slots.length - 1;
  /** Whatever does not fit the compact form. */
  const others = new Map<string, { sub: string; until: number }>();

  /** The slot holding the id now in `idWords`, or the empty slot where it would go (negative - 1). */
  function findSlot(): number {
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

  function slotOfEntry(entry: number): number {
    const at = entry * ENTRY_WORDS;
    let slot = hashWords(ids[at]!, ids[at + 1]!, ids[at + 2]!, ids[at + 3]!) & slotMask;
    while (slots[slot] !== entry + 1) slot = (slot + 1) & slotMask;
    return slot;
  }

  function growEntries(): void {
    const next = Math.max(MIN_CAPACITY, capacity * 2);
    const nextIds = new Uint32Array(next * ENTRY_WORDS);
    nextIds.set(ids.subarray(0, count * ENTRY_WORDS));
    const nextUntils = new Uint32Array(next);
    nextUntils.set(untils.subarray(0, count));
    ids = nextIds;
    untils = nextUntils;
    capacity = next;
  }

  function rebuildIndex(slotCount: number): void {
    slots = new Uint32Array(slotCount);
    slotMask = slotCount - 1;
    for (let entry = 0; entry < count; entry++) {
      const at = entry * ENTRY_WORDS;
      let slot = hashWords(ids[at]!, ids[at + 1]!, ids[at + 2]!, ids[at + 3]!) & slotMask;
      while (slots[slot] !== 0) slot = (slot + 1) & slotMask;
      slots[slot] = entry + 1;
    }
  }

  /** Empties `slot` without breaking any probe chain (backward-shift deletion, no tombstones). */
  function clearSlot(slot: number): void {
    let hole = slot;
    let next = (hole + 1) & slotMask;
    while (slots[next] !== 0) {
      const entry = slots[next]! - 1;
      const at = entry * ENTRY_WORDS;
      const home = hashWords(ids[at]!, ids[at + 1]!, ids[at + 2]!, ids[at + 3]!) & slotMask;
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
  function removeAt(slot: number): void {
    const entry = slots[slot]! - 1;
    clearSlot(slot);
    const last = count - 1;
    if (entry !== last) {
      const lastSlot = slotOfEntry(last);
      ids.copyWithin(entry * ENTRY_WORDS, last * ENTRY_WORDS, (last + 1) * ENTRY_WORDS);
      untils[entry] = untils[last]!;
      slots[lastSlot] = entry + 1;
    }
    count--;
  }

  /** An offset for `until`, moving the base when the live entries allow; -1 when it cannot fit. */
  function offsetOf(until: number): number {
    if (!Number.isSafeInteger(until)) return -1;
    if (count === 0) base = until;
    let offset = until - base;
    if (offset >= 0 && offset <= MAX_OFFSET) return offset;
    let lowest = until;
    let highest = until;
    for (let entry = 0; entry < count; entry++) {
      const value = base + untils[entry]!;
      if (value < lowest) lowest = value;
      if (value > highest) highest = value;
    }
    if (highest - lowest > MAX_OFFSET) return -1;
    const shift = base - lowest;
    for (let entry = 0; entry < count; entry++) untils[entry] = untils[entry]! + shift;
    base = lowest;
    offset = until - base;
    return offset;
  }

  // A compact-shaped sid may still be among `others` (its sub or until did not fit): both are looked at.
  function remove(sid: string): boolean {
    if (readId(sid)) {
      const slot = findSlot();
      if (slot >= 0) {
        removeAt(slot);
        return true;
      }
    }
    return others.size > 0 && others.delete(sid);
  }

  return {
    /** The `until` kept for `sid`, or undefined. */
    untilOf(sid: string): number | undefined {
      if (readId(sid)) {
        const slot = findSlot();
        if (slot >= 0) return base + untils[slots[slot]! - 1]!;
      }
      return others.size > 0 ? others.get(sid)?.until : undefined;
    },

    has(sid: string): boolean {
      if (readId(sid) && findSlot() >= 0) return true;
      return others.size > 0 && others.has(sid);
    },

    /** Keeps `sid` → (`sub`, `until`), replacing what was kept for `sid`. */
    set(sid: string, sub: string, until: number): void {
      remove(sid);
      const offset = offsetOf(until);
      if (offset < 0 || !readId(sub)) {
        others.set(sid, { sub, until });
        return;
      }
      const subWords = [idWords[0]!, idWords[1]!, idWords[2]!, idWords[3]!];
      if (!readId(sid)) {
        others.set(sid, { sub, until });
        return;
      }
      if (count === capacity) growEntries();
      if ((count + 1) * 2 > slots.length) rebuildIndex(slots.length * 2);
      const slot = -findSlot() - 1;
      const at = count * ENTRY_WORDS;
      ids.set(idWords, at);
      ids[at + 4] = subWords[0]!;
      ids[at + 5] = subWords[1]!;
      ids[at + 6] = subWords[2]!;
      ids[at + 7] = subWords[3]!;
      untils[count] = offset;
      slots[slot] = count + 1;
      count++;
    },

    delete: remove,

    /** Drops every entry whose `until` makes `isDead` true; returns how many. */
    deleteWhere(isDead: (until: number) => boolean): number {
      let dropped = 0;
      for (let entry = count - 1; entry >= 0; entry--) {
        if (!isDead(base + untils[entry]!)) continue;
        removeAt(slotOfEntry(entry));
        dropped++;
      }
      for (const [sid, entry] of others) if (isDead(entry.until) && others.delete(sid)) dropped++;
      // Give memory back once the table is mostly empty.
      if (count * 8 < capacity && capacity > MIN_CAPACITY) shrink();
      return dropped;
    },

    get size(): number {
      return count + others.size;
    },

    /** Every entry, ids as the strings they were given as. */
    *entries(): IterableIterator<SessionEntry> {
      for (let entry = 0; entry < count; entry++) {
        const at = entry * ENTRY_WORDS;
        yield { sid: writeId(ids, at), sub: writeId(ids, at + ID_WORDS), until: base + untils[entry]! };
      }
      for (const [sid, { sub, until }] of others) yield { sid, sub, until };
    },
  };

  function shrink(): void {
    let next = MIN_CAPACITY;
    while (next < count * 2) next *= 2;
    ids = ids.slice(0, next * ENTRY_WORDS);
    untils = untils.slice(0, next);
    capacity = next;
    let slotCount = MIN_CAPACITY * 2;
    while (slotCount < next * 2) slotCount *= 2;
    rebuildIndex(slotCount);
  }
}

export type CompactSessionTable = ReturnType<typeof createCompactSessionTable>;
