import type { KeyStore } from '../../store/types.ts';
import { copy, type MemoryState } from './state.ts';

export function createMemoryKeyStore({ keys }: MemoryState): KeyStore {
  return {
    async list() {
      return [...keys.values()].sort((a, b) => b.createdAt - a.createdAt).map(copy);
    },
    async rotate(key, now) {
      for (const existing of keys.values()) {
        if (existing.status === 'active') {
          existing.status = 'retired';
          existing.retiredAt = now;
        }
      }
      keys.set(key.kid, { ...copy(key), status: 'active', retiredAt: null });
    },
    async remove(kid) {
      return keys.delete(kid);
    },
    async pruneRetired(before) {
      const removed: string[] = [];
      for (const key of [...keys.values()]) {
        if (key.status === 'retired' && key.retiredAt !== null && key.retiredAt < before) {
          keys.delete(key.kid);
          removed.push(key.kid);
        }
      }
      return removed;
    },
  };
}
