import type { ResetTokenStore } from '../../store/types.ts';
import { copy, deleteResetTokensOf, type MemoryState } from './state.ts';

export function createMemoryResetTokenStore(state: MemoryState): ResetTokenStore {
  const { resets } = state;
  return {
    async create(record) {
      deleteResetTokensOf(state, record.userId);
      resets.set(record.hash, copy(record));
    },
    async consume(hash, now) {
      const token = resets.get(hash);
      if (!token) return null;
      resets.delete(hash);
      return token.expiresAt > now ? { userId: token.userId } : null;
    },
    async deleteForUser(userId) {
      return deleteResetTokensOf(state, userId);
    },
    async deleteExpired(now) {
      let count = 0;
      for (const [hash, token] of resets) {
        if (token.expiresAt <= now) {
          resets.delete(hash);
          count++;
        }
      }
      return count;
    },
  };
}
