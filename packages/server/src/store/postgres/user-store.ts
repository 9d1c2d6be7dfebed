import type { Pool } from 'pg';
import type { UserRecord, UserStore } from '@gatehouse/core';
import { type Row, toUserRecord } from '../lib/rows.ts';
import { toUserPatchAssignments } from '../lib/user-patch.ts';

// pg reads TEXT[] into string[] and writes a JS array as one, so roles need no encoding.
const toUser = (row: Row): UserRecord => toUserRecord(row, row.roles as string[]);

export function createPostgresUserStore(pool: Pool): UserStore {
  async function getById(id: string): Promise<UserRecord | null> {
    const { rows } = await pool.query('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  return {
    async create(user) {
      // No conflict target: a taken email or id both make `create` answer false, even under a race.
      const result = await pool.query(
        `INSERT INTO users (id, email, password_hash, roles, status, created_at, updated_at, password_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT DO NOTHING`,
        [
          user.id,
          user.email,
          user.passwordHash,
          user.roles,
          user.status,
          user.createdAt,
          user.updatedAt,
          user.passwordChangedAt,
        ],
      );
      return result.rowCount === 1;
    },
    getById,
    async getByEmail(email) {
      const { rows } = await pool.query('SELECT * FROM users WHERE email = $1', [email]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async update(id, patch) {
      const assignments = toUserPatchAssignments(patch, (roles) => roles);
      if (assignments.length === 0) return getById(id);
      const columns = assignments.map(({ column }, index) => `${column} = $${index + 1}`).join(', ');
      const { rows } = await pool.query(
        `UPDATE users SET ${columns} WHERE id = $${assignments.length + 1} RETURNING *`,
        [...assignments.map(({ value }) => value), id],
      );
      return rows[0] ? toUser(rows[0]) : null;
    },
    async delete(id) {
      // The foreign keys cascade to sessions and from them to refresh tokens, in this one statement.
      const result = await pool.query('DELETE FROM users WHERE id = $1', [id]);
      return result.rowCount === 1;
    },
    async list({ query, limit, offset }) {
      // strpos, not LIKE: the query is a literal substring, so `%` and `_` must not act as wildcards.
      // Emails are stored lower-cased, so lower-casing the query makes the match case-insensitive.
      const { rows } = await pool.query(
        'SELECT * FROM users WHERE strpos(email, $1) > 0 ORDER BY email LIMIT $2 OFFSET $3',
        [query?.toLowerCase() ?? '', limit, offset],
      );
      return rows.map(toUser);
    },
    async count({ query }) {
      const { rows } = await pool.query('SELECT count(*) AS n FROM users WHERE strpos(email, $1) > 0', [
        query?.toLowerCase() ?? '',
      ]);
      return Number(rows[0].n);
    },
  };
}
