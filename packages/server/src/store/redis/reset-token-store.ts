import type { ResetTokenStore } from '@gatehouse/core';
import { expiryTtlMs, type RedisStoreContext } from './context.ts';
import { decodeId } from './key-layout.ts';
import { resetIndexMember, type Routing } from './routing.ts';

/**
 * A user's one reset token lives in their slot (`{u:<user>}:reset`), found from the token hash
 * through an untagged route; every decision (replace, single use, expiry) is one script there.
 * The `{resets}` expiry index only lets `deleteExpired` find tokens without scanning.
 */
export function createRedisResetTokenStore(context: RedisStoreContext, routing: Routing): ResetTokenStore {
  const { client, keys, scripts } = context;
  const resetKeyOf = (userId: string) => keys.resetToken(keys.userBase(userId));

  return {
    async create(record) {
      const ttlMs = expiryTtlMs(record.createdAt, record.expiresAt);
      const member = resetIndexMember(record.userId, record.hash);
      // Route and index first: once the token exists it can be found and collected.
      await client.set(keys.resetRoute(record.hash), record.userId, 'PX', ttlMs);
      await client.zadd(keys.resetExpiry, String(record.expiresAt), member);
      const base = keys.userBase(record.userId);
      const previous = await scripts.createResetToken(
        [keys.resetToken(base), keys.user(base)],
        [record.hash, String(record.createdAt), String(record.expiresAt), String(ttlMs)],
      );
      if (previous === -1) {
        await routing.forgetResetToken(record.userId, record.hash);
        // Like the SQL backends' foreign key: a token needs its user.
        throw new Error('redis: reset token for an unknown user');
      }
      if (typeof previous === 'string' && previous !== '')
        await routing.forgetResetToken(record.userId, previous);
    },

    async consume(hash, now) {
      const userId = await client.get(keys.resetRoute(hash));
      if (userId === null) return null;
      const outcome = await scripts.consumeResetToken([resetKeyOf(userId)], [hash, String(now)]);
      // 0: a stale route (the token was replaced or already used); whoever deleted it cleans up.
      if (outcome !== 0) await routing.forgetResetToken(userId, hash);
      return outcome === 1 ? { userId } : null;
    },

    async deleteForUser(userId) {
      const previous = await scripts.deleteResetToken([resetKeyOf(userId)], []);
      if (typeof previous !== 'string' || previous === '') return 0;
      await routing.forgetResetToken(userId, previous);
      return 1;
    },

    async deleteExpired(now) {
      let count = 0;
      for (const member of await client.zrangebyscore(keys.resetExpiry, '-inf', String(now))) {
        const slash = member.indexOf('/');
        if (slash < 0) {
          await client.zrem(keys.resetExpiry, member);
          continue;
        }
        const userId = decodeId(member.slice(0, slash));
        const hash = decodeId(member.slice(slash + 1));
        const outcome = await scripts.deleteExpiredResetToken([resetKeyOf(userId)], [hash, String(now)]);
        if (outcome === 1) count++;
        if (outcome !== 2) await routing.forgetResetToken(userId, hash);
      }
      return count;
    },
  };
}
