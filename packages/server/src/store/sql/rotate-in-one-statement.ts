import type { RotateRefreshInput, RotateRefreshResult, SessionRecord } from '@gatehouse/core';
import { completeRotationAudit } from '@gatehouse/core';
import { auditInsert } from './audit-store.ts';
import type { SqlDialect } from './driver.ts';
import { rowAs, type SqlProgram } from './program.ts';
import { refreshTokenInsert } from './refresh-token-insert.ts';
import { JOINED_USER_COLUMNS, type Row, sessionUserOf, TOKEN_FAMILY_JOIN, toSessionRecord } from './rows.ts';
import { insertedFromWritten } from './write-with-inserts.ts';

type Rotated = Extract<RotateRefreshResult, { outcome: 'rotated' }>;

/**
 * PostgreSQL, when the caller named the presented token's session (`presentedSession`, as the
 * refresh routes do) and the rotation is the plain one: the token unconsumed, its session that
 * session and live, its user active. Then the whole rotation is one statement, one round trip where
 * the transaction takes four (`BEGIN`, the locking read, the writes, `COMMIT`):
 * - `found` locks the session and then the token (`FOR UPDATE OF s, t`, the transaction's order
 *   and a session deletion's), and reads the user. A rotation that got there first has committed
 *   by the time the locks are granted; the rows are read again and the consumed token no longer
 *   matches, so `found` is empty and nothing below changes anything;
 * - `consumed` spends the token, `written` touches the session, and the successor and the audit
 *   event are inserted from `written`'s row: all or nothing, as one statement commits.
 * The conditions are those of `chooseRotationStep`, `isSessionLive`, `mayRotateFor` and
 * `sessionAfterRotation` for an unconsumed token, and the event is `completeRotationAudit`'s with
 * the named session's ids, which `found` checks. Anything else (a replay, a reuse, an expired or
 * unknown token, another session) resolves null having changed nothing, and the caller runs the
 * transaction, which decides every case.
 */
export function rotateInOneStatement(
  dialect: SqlDialect,
  input: RotateRefreshInput,
  session: SessionRecord,
): SqlProgram<Rotated | null> {
  const audit = completeRotationAudit(input.audit, 'rotated', session);
  const inserts = [
    refreshTokenInsert({ ...input.successor, sessionId: session.id }),
    ...(audit ? [auditInsert(audit)] : []),
  ];
  const following = insertedFromWritten(inserts);
  const text = `WITH found AS (
      SELECT ${JOINED_USER_COLUMNS} FROM ${TOKEN_FAMILY_JOIN}
      WHERE t.hash = ? AND s.id = ? AND s.user_id = ? AND t.consumed_at IS NULL
        AND s.idle_expires_at > ? AND s.absolute_expires_at > ? AND u.status = 'active'
      ${dialect.lockRows('s, t')}
    ), consumed AS (
      UPDATE refresh_tokens SET consumed_at = ?, successor_cipher = ?, successor_hash = ?
      WHERE hash = ? AND EXISTS (SELECT 1 FROM found) RETURNING session_id
    ), written AS (
      UPDATE sessions SET last_seen_at = ?, idle_expires_at = LEAST(?::bigint, absolute_expires_at)
      WHERE id = (SELECT session_id FROM consumed) RETURNING *
    ), ${following.text}
    SELECT written.*, found.* FROM written, found`;
  const { now } = input;
  return rowAs(
    (found: Row): Rotated => ({
      outcome: 'rotated',
      session: toSessionRecord(found),
      user: sessionUserOf(found, dialect.decodeTextList),
    }),
    text,
    ...[input.presentedHash, session.id, session.userId, now, now],
    ...[now, input.successorCipher, input.successor.hash, input.presentedHash],
    ...[now, now + input.idleTtlMs],
    ...following.values,
  );
}
