import type { Pool } from 'pg';
import type { ResetTokenStore } from '@gatehouse/core';

export function createPostgresResetTokenStore(pool: Pool): ResetTokenStore {
  return {
    async create(record) {
      // The user id is the primary key: a newer token replaces the older one in one statement,
      // so two racing requests cannot both leave a live token behind.
      await pool.query(
        `INSERT INTO reset_tokens (user_id, hash, created_at, expires_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id) DO UPDATE SET
           hash = excluded.hash, created_at = excluded.created_at, expires_at = excluded.expires_at`,
        [record.userId, record.hash, record.createdAt, record.expiresAt],
      );
    },
    async consume(hash, now) {
      // A concurrent DELETE of the same row waits for ours to commit, then finds nothing: one winner.
      const { rows } = await pool.query(
        'DELETE FROM reset_tokens WHERE hash = $1 RETURNING user_id, expires_at',
        [hash],
      );
      const row = rows[0];
      if (!row || (row.expires_at as number) <= now) return null;
      return { userId: row.user_id as string };
    },
    async deleteForUser(userId) {
      const result = await pool.query('DELETE FROM reset_tokens WHERE user_id = $1', [userId]);
      return result.rowCount ?? 0;
    },
    async deleteExpired(now) {
      const result = await pool.query('DELETE FROM reset_tokens WHERE expires_at <= $1', [now]);
      return result.rowCount ?? 0;
    },
  };
}
