import type { Pool } from 'pg';
import type { SessionStore, Strategy } from '@gatehouse/core';
import { placeholders, SESSION_COLUMNS, sessionValues, toSessionRecord } from '../lib/rows.ts';

export function createPostgresSessionStore(pool: Pool): SessionStore {
  return {
    async create(session) {
      await pool.query(
        `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (${placeholders(10, 'postgres')})`,
        sessionValues(session),
      );
    },
    async get(id) {
      const { rows } = await pool.query('SELECT * FROM sessions WHERE id = $1', [id]);
      return rows[0] ? toSessionRecord(rows[0]) : null;
    },
    async touch(id, lastSeenAt, idleExpiresAt) {
      const result = await pool.query(
        'UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id = $1',
        [id, lastSeenAt, idleExpiresAt],
      );
      return result.rowCount === 1;
    },
    async revoke(id) {
      // Deleting a session cascades to its refresh tokens within the same statement.
      const { rows } = await pool.query('DELETE FROM sessions WHERE id = $1 RETURNING *', [id]);
      return rows[0] ? toSessionRecord(rows[0]) : null;
    },
    async revokeAllForUser(userId, exceptId) {
      const { rows } = await pool.query(
        'DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2 RETURNING *',
        [userId, exceptId ?? null],
      );
      return rows.map(toSessionRecord);
    },
    async listForUser(userId, now) {
      const { rows } = await pool.query(
        `SELECT * FROM sessions
         WHERE user_id = $1 AND idle_expires_at > $2 AND absolute_expires_at > $2
         ORDER BY created_at DESC, id`,
        [userId, now],
      );
      return rows.map(toSessionRecord);
    },
    async deleteExpired(now) {
      const result = await pool.query(
        'DELETE FROM sessions WHERE idle_expires_at <= $1 OR absolute_expires_at <= $1',
        [now],
      );
      return result.rowCount ?? 0;
    },
    async countActive(now) {
      const { rows } = await pool.query(
        `SELECT strategy, count(*) AS count FROM sessions
         WHERE idle_expires_at > $1 AND absolute_expires_at > $1
         GROUP BY strategy`,
        [now],
      );
      const counts: Record<Strategy, number> = { session: 0, hybrid: 0, token: 0 };
      for (const row of rows) counts[row.strategy as Strategy] = row.count;
      return counts;
    },
  };
}
