import type { DatabaseSync } from 'node:sqlite';
import type { ResetTokenStore } from '@gatehouse/core';

export function createSqliteResetTokenStore(db: DatabaseSync): ResetTokenStore {
  // The user id is the primary key: a newer token replaces the older one in the same statement.
  const upsert = db.prepare(`
    INSERT INTO reset_tokens (user_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (user_id) DO UPDATE SET
      hash = excluded.hash, created_at = excluded.created_at, expires_at = excluded.expires_at
  `);
  // One statement reads and deletes, so of two consumers only one gets the row back.
  const take = db.prepare('DELETE FROM reset_tokens WHERE hash = ? RETURNING user_id, expires_at');
  const deleteByUser = db.prepare('DELETE FROM reset_tokens WHERE user_id = ?');
  const deleteExpired = db.prepare('DELETE FROM reset_tokens WHERE expires_at <= ?');

  return {
    async create(record) {
      upsert.run(record.userId, record.hash, record.createdAt, record.expiresAt);
    },
    async consume(hash, now) {
      const row = take.get(hash);
      if (!row || (row.expires_at as number) <= now) return null;
      return { userId: row.user_id as string };
    },
    async deleteForUser(userId) {
      return Number(deleteByUser.run(userId).changes);
    },
    async deleteExpired(now) {
      return Number(deleteExpired.run(now).changes);
    },
  };
}
