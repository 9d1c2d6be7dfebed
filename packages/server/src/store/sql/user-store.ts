import type { UserRecord, UserStore } from '@gatehouse/core';
import { type Row, toUserRecord } from './rows.ts';
import { toUserPatchAssignments } from './user-patch.ts';
import { auditInsert } from './audit-store.ts';
import { runWithInserts } from './write-with-inserts.ts';
import type { SqlDriver } from './driver.ts';
import { changed, row, rowAs, rowsAs, type SqlProgram } from './program.ts';

const BY_ID = 'SELECT * FROM users WHERE id = ?';
const BY_EMAIL = 'SELECT * FROM users WHERE email = ?';

export function createSqlUserStore(driver: SqlDriver): UserStore {
  const { run, dialect } = driver;
  const toUser = (found: Row): UserRecord => toUserRecord(found, dialect.decodeTextList(found.roles));
  // A literal substring, so `%` and `_` do not act as wildcards. Emails are stored lower-cased, so
  // lower-casing the query makes the match case-insensitive.
  const matches = dialect.contains('email', '?');
  const selectPage = `SELECT * FROM users WHERE ${matches} ORDER BY email LIMIT ? OFFSET ?`;
  const countMatches = `SELECT count(*) AS n FROM users WHERE ${matches}`;

  // No conflict target: a taken email or id both make `create` answer false, even under a race.
  const INSERT = `INSERT INTO users (id, email, password_hash, roles, status, created_at, updated_at, password_changed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT DO NOTHING`;
  const insertValues = (user: UserRecord) => [
    user.id,
    user.email,
    user.passwordHash,
    dialect.encodeTextList(user.roles),
    user.status,
    user.createdAt,
    user.updatedAt,
    user.passwordChangedAt,
  ];

  function* update(id: string, patch: Parameters<UserStore['update']>[1]): SqlProgram<UserRecord | null> {
    const assignments = toUserPatchAssignments(patch, dialect.encodeTextList);
    if (assignments.length === 0) return yield* rowAs(toUser, BY_ID, id);
    const columns = assignments.map(({ column }) => `${column} = ?`).join(', ');
    const values = assignments.map(({ value }) => value);
    return yield* rowAs(toUser, `UPDATE users SET ${columns} WHERE id = ? RETURNING *`, ...values, id);
  }

  function* countUsers(query: string | undefined): SqlProgram<number> {
    return Number((yield* row(countMatches, query?.toLowerCase() ?? ''))?.n ?? 0);
  }

  function* remove(id: string): SqlProgram<boolean> {
    // The foreign keys cascade to sessions and from them to refresh tokens, in this one statement.
    return yield* changed('DELETE FROM users WHERE id = ?', id);
  }

  return {
    create: async (user, audit) => {
      // The audit row only when the user was inserted: nothing changes on a conflict.
      const write = { text: INSERT, values: insertValues(user) };
      return (await runWithInserts(driver, write, audit ? [auditInsert(audit)] : [])) !== undefined;
    },
    getById: (id) => run(rowAs(toUser, BY_ID, id)),
    getByEmail: (email) => run(rowAs(toUser, BY_EMAIL, email)),
    update: (id, patch) => run(update(id, patch)),
    delete: (id) => run(remove(id)),
    list: ({ query, limit, offset }) =>
      run(rowsAs(toUser, selectPage, query?.toLowerCase() ?? '', limit, offset)),
    count: ({ query }) => run(countUsers(query)),
  };
}
