import type { SessionStore, Strategy } from '@gatehouse/core';
import {
  JOINED_USER_COLUMNS,
  type Row,
  SESSION_COLUMNS,
  sessionUserOf,
  sessionValues,
  toSessionRecord,
} from './rows.ts';
import { auditInsert } from './audit-store.ts';
import { refreshTokenInsert } from './refresh-token-insert.ts';
import { type FollowingInsert, runWithInserts } from './write-with-inserts.ts';
import type { SqlDriver } from './driver.ts';
import { changed, count, placeholders, rowAs, rows, rowsAs, type SqlProgram } from './program.ts';

const INSERT = `INSERT INTO sessions (${SESSION_COLUMNS}) VALUES (${placeholders(10)})`;
const TOUCH = 'UPDATE sessions SET last_seen_at = ?, idle_expires_at = ? WHERE id = ?';
const LIVE = 'idle_expires_at > ? AND absolute_expires_at > ?';
// A session's user always exists: deleting a user cascades to its sessions.
const WITH_USER = `SELECT s.*, ${JOINED_USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`;

function* countActive(now: number): SqlProgram<Record<Strategy, number>> {
  const counts: Record<Strategy, number> = { session: 0, hybrid: 0, token: 0 };
  const found = yield* rows(
    `SELECT strategy, count(*) AS count FROM sessions WHERE ${LIVE} GROUP BY strategy`,
    now,
    now,
  );
  for (const { strategy, count } of found) counts[strategy as Strategy] = Number(count);
  return counts;
}

export function createSqlSessionStore(driver: SqlDriver): SessionStore {
  const { run, dialect } = driver;
  const withUser = (found: Row) => ({
    session: toSessionRecord(found),
    user: sessionUserOf(found, dialect.decodeTextList),
  });
  return {
    create: async (session, audit, refreshTokenHash) => {
      const inserts: FollowingInsert[] = [];
      if (refreshTokenHash !== undefined)
        inserts.push(
          refreshTokenInsert({ hash: refreshTokenHash, sessionId: session.id, createdAt: session.createdAt }),
        );
      if (audit) inserts.push(auditInsert(audit));
      await runWithInserts(driver, { text: INSERT, values: sessionValues(session) }, inserts);
    },
    get: (id) => run(rowAs(toSessionRecord, 'SELECT * FROM sessions WHERE id = ?', id)),
    getWithUser: (id) => run(rowAs(withUser, WITH_USER, id)),
    touch: (id, lastSeenAt, idleExpiresAt) => run(changed(TOUCH, lastSeenAt, idleExpiresAt, id)),
    // Deleting a session cascades to its refresh tokens within the same statement.
    revoke: async (id, audit) => {
      const deleted = await runWithInserts(
        driver,
        { text: 'DELETE FROM sessions WHERE id = ?', values: [id], returning: '*' },
        audit ? [auditInsert(audit)] : [],
      );
      return deleted === undefined ? null : toSessionRecord(deleted);
    },
    revokeAllForUser: (userId, exceptId) =>
      run(
        rowsAs(
          toSessionRecord,
          'DELETE FROM sessions WHERE user_id = ? AND id IS DISTINCT FROM ? RETURNING *',
          userId,
          exceptId ?? null,
        ),
      ),
    listForUser: (userId, now) =>
      run(
        rowsAs(
          toSessionRecord,
          `SELECT * FROM sessions WHERE user_id = ? AND ${LIVE} ORDER BY created_at DESC, id`,
          userId,
          now,
          now,
        ),
      ),
    deleteExpired: (now) =>
      run(count('DELETE FROM sessions WHERE idle_expires_at <= ? OR absolute_expires_at <= ?', now, now)),
    countActive: (now) => run(countActive(now)),
  };
}
