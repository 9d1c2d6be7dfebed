/** Remembers the proofs seen within their acceptance window (RFC 9449 §11.1), in bounded memory. */
export interface DpopReplayCache {
  /** False when `key` was seen and is still inside its window; otherwise records it and returns true. */
  remember(key: string, expiresAtMs: number, nowMs: number): boolean;
  readonly size: number;
}

/**
 * A Map in insertion order: entries carry similar lifetimes, so the oldest are at the front and
 * expire first. When full of live entries the oldest is forgotten early: an attacker who can mint
 * `maxEntries` valid proofs within one window could then replay that oldest proof. The alternative,
 * refusing proofs while full, would let anyone with a fresh key lock every DPoP client out.
 */
export function createDpopReplayCache(maxEntries: number): DpopReplayCache {
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('maxEntries must be a positive integer');
  }
  const entries = new Map<string, number>();

  function evict(nowMs: number): void {
    for (const [key, expiresAtMs] of entries) {
      if (expiresAtMs > nowMs && entries.size < maxEntries) break;
      entries.delete(key);
    }
  }

  return {
    remember(key, expiresAtMs, nowMs) {
      const seen = entries.get(key);
      if (seen !== undefined && seen > nowMs) return false;
      entries.delete(key);
      if (entries.size >= maxEntries) evict(nowMs);
      entries.set(key, expiresAtMs);
      return true;
    },
    get size() {
      return entries.size;
    },
  };
}
