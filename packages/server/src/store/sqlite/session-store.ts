import type { DatabaseSync } from 'node:sqlite';
import type { SessionStore, Strategy } from '@gatehouse/core';
import { placeholders, SESSION_COLUMNS, sessionValues, toSessionRecord } from '../lib/rows.ts';

export function createSqliteSessionStore(db: DatabaseSync): SessionStore {
  const insert = db.prepare(
    `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (${placeholders(10, 'sqlite')})`,
  );
  const selectById = db.prepare('SELECT * FROM sessions WHERE id = ?');
  const touch = db.prepare('UPDATE sessions SET last_seen_at = ?, idle_expires_at = ? WHERE id = ?');
  // Deleting a session cascades to its refresh tokens within the same statement.
  const deleteById = db.prepare('DELETE FROM sessions WHERE id = ? RETURNING *');
  const deleteForUser = db.prepare('DELETE FROM sessions WHERE user_id = ? AND id IS NOT ? RETURNING *');
  const selectLiveForUser = db.prepare(`
    SELECT * FROM sessions
    WHERE user_id = :userId AND idle_expires_at > :now AND absolute_expires_at > :now
    ORDER BY created_at DESC, id
  `);
  const deleteExpired = db.prepare(
    'DELETE FROM sessions WHERE idle_expires_at <= :now OR absolute_expires_at <= :now',
  );
  const countLive = db.prepare(`
    SELECT strategy, count(*) AS count FROM sessions
    WHERE idle_expires_at > :now AND absolute_expires_at > :now
    GROUP BY strategy
  `);

  return {
    async create(session) {
      insert.run(...sessionValues(session));
    },
    async get(id) {
      const row = selectById.get(id);
      return row ? toSessionRecord(row) : null;
    },
    async touch(id, lastSeenAt, idleExpiresAt) {
      return Number(touch.run(lastSeenAt, idleExpiresAt, id).changes) > 0;
    },
    async revoke(id) {
      const row = deleteById.get(id);
      return row ? toSessionRecord(row) : null;
    },
    async revokeAllForUser(userId, exceptId) {
      return deleteForUser.all(userId, exceptId ?? null).map(toSessionRecord);
    },
    async listForUser(userId, now) {
      return selectLiveForUser.all({ userId, now }).map(toSessionRecord);
    },
    async deleteExpired(now) {
      return Number(deleteExpired.run({ now }).changes);
    },
    async countActive(now) {
      const counts: Record<Strategy, number> = { session: 0, hybrid: 0, token: 0 };
      for (const row of countLive.all({ now })) counts[row.strategy as Strategy] = row.count as number;
      return counts;
    },
  };
}
