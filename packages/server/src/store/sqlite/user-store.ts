import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { UserRecord, UserStore } from '@gatehouse/core';
import { type Row, toUserRecord } from '../lib/rows.ts';
import { toUserPatchAssignments } from '../lib/user-patch.ts';

function toUser(row: Row): UserRecord {
  return toUserRecord(row, JSON.parse(row.roles as string));
}

export function createSqliteUserStore(db: DatabaseSync): UserStore {
  // No conflict target: a taken email or id both make `create` answer false.
  const insert = db.prepare(`
    INSERT INTO users (id, email, password_hash, roles, status, created_at, updated_at, password_changed_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING
  `);
  const selectById = db.prepare('SELECT * FROM users WHERE id = ?');
  const selectByEmail = db.prepare('SELECT * FROM users WHERE email = ?');
  const deleteById = db.prepare('DELETE FROM users WHERE id = ?');
  // instr, not LIKE: the query is a literal substring, so `%` and `_` must not act as wildcards.
  // Emails are stored lower-cased, so lower-casing the query makes the match case-insensitive.
  const selectPage = db.prepare(
    'SELECT * FROM users WHERE instr(email, ?) > 0 ORDER BY email LIMIT ? OFFSET ?',
  );
  const countMatches = db.prepare('SELECT count(*) AS n FROM users WHERE instr(email, ?) > 0');

  async function getById(id: string): Promise<UserRecord | null> {
    const row = selectById.get(id);
    return row ? toUser(row) : null;
  }

  return {
    async create(user) {
      const result = insert.run(
        user.id,
        user.email,
        user.passwordHash,
        JSON.stringify(user.roles),
        user.status,
        user.createdAt,
        user.updatedAt,
        user.passwordChangedAt,
      );
      return Number(result.changes) > 0;
    },
    getById,
    async getByEmail(email) {
      const row = selectByEmail.get(email);
      return row ? toUser(row) : null;
    },
    async update(id, patch) {
      const assignments = toUserPatchAssignments(patch, JSON.stringify);
      if (assignments.length === 0) return getById(id);
      const columns = assignments.map(({ column }) => `${column} = ?`).join(', ');
      const row = db
        .prepare(`UPDATE users SET ${columns} WHERE id = ? RETURNING *`)
        .get(...assignments.map(({ value }) => value as SQLInputValue), id);
      return row ? toUser(row) : null;
    },
    async delete(id) {
      // The foreign keys cascade to sessions and from them to refresh tokens, in this one statement.
      return Number(deleteById.run(id).changes) > 0;
    },
    async list({ query, limit, offset }) {
      return selectPage.all(query?.toLowerCase() ?? '', limit, offset).map(toUser);
    },
    async count({ query }) {
      return Number(countMatches.get(query?.toLowerCase() ?? '')?.n ?? 0);
    },
  };
}
