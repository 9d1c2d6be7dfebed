import type {
  RefreshTokenRecord,
  RefreshTokenStore,
  RotateRefreshInput,
  RotateRefreshResult,
  SessionRecord,
  UserRecord,
} from '@gatehouse/core';
import {
  chooseRotationStep,
  completeRotationAudit,
  isSessionLive,
  isSuccessorUsed,
  mayRotateFor,
  sessionAfterRotation,
} from '@gatehouse/core';
import { auditInsert } from './audit-store.ts';
import type { SqlDialect, SqlDriver } from './driver.ts';
import { execute, row, rowAs, type SqlProgram } from './program.ts';
import { recordPending } from './revocation-store.ts';
import {
  JOINED_USER_COLUMNS,
  type Row,
  sessionUserOf,
  TOKEN_FAMILY_JOIN,
  toRefreshTokenRecord,
  toSessionRecord,
} from './rows.ts';
import { REFRESH_TOKENS, refreshTokenInsert } from './refresh-token-insert.ts';
import { rotateInOneStatement } from './rotate-in-one-statement.ts';
import { asStatement, executeAll } from './write-with-inserts.ts';

const INSERT = REFRESH_TOKENS.text;
const SESSION_ID = 'SELECT session_id FROM refresh_tokens WHERE hash = ?';
const SESSION_OF_TOKEN =
  'SELECT s.* FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.hash = ?';

/**
 * The presented token with its session and the session's user, in one statement. PostgreSQL locks
 * the session and then the token (the order in which deleting a session takes them through its
 * cascade, so the two never deadlock). A rotation that got there first has committed by the time
 * the locks are granted, and its row is the one read: parallel refreshes of one token queue here,
 * and all but the first find it consumed.
 */
const familyOf = (dialect: SqlDialect) =>
  `SELECT s.*, t.created_at AS token_created_at, t.consumed_at AS token_consumed_at,
     t.successor_cipher AS token_successor_cipher, t.successor_hash AS token_successor_hash,
     ${JOINED_USER_COLUMNS}
   FROM ${TOKEN_FAMILY_JOIN}
   WHERE t.hash = ?${dialect.lockRows('s, t')}`;

interface Family {
  session: SessionRecord;
  token: RefreshTokenRecord;
  user: UserRecord;
}

function toFamily(dialect: SqlDialect, found: Row, hash: string): Family {
  const session = toSessionRecord(found);
  const token = toRefreshTokenRecord({
    hash,
    session_id: session.id,
    created_at: found.token_created_at,
    consumed_at: found.token_consumed_at,
    successor_cipher: found.token_successor_cipher,
    successor_hash: found.token_successor_hash,
  });
  return { session, token, user: sessionUserOf(found, dialect.decodeTextList) };
}

/** Run in a transaction: SQLite's holds the write lock throughout, PostgreSQL's locks the rows it reads. */
function* rotate(
  dialect: SqlDialect,
  family: string,
  input: RotateRefreshInput,
): SqlProgram<RotateRefreshResult> {
  const found = yield* row(family, input.presentedHash);
  if (!found) return { outcome: 'invalid' };
  const { session, token, user } = toFamily(dialect, found, input.presentedHash);
  if (!isSessionLive(session, input.now) || !mayRotateFor(user)) return { outcome: 'invalid' };
  // The family is serialised by the session lock above: the successor cannot change meanwhile.
  const successorRow = token.successorHash
    ? yield* row('SELECT consumed_at FROM refresh_tokens WHERE hash = ?', token.successorHash)
    : undefined;
  const successor = successorRow ? { consumedAt: successorRow.consumed_at as number | null } : null;
  const decision = chooseRotationStep(token, input, isSuccessorUsed(successor));
  switch (decision.step) {
    case 'rotate':
      return { ...(yield* consume(dialect, session, input)), user };
    case 'replay':
      return { outcome: 'replayed', session, successorCipher: decision.successorCipher, user };
    case 'reuse': {
      // The outbox: the revocation is durable, pending, in the transaction that ends the session,
      // so no crash can leave the session deleted but unrevoked (docs/design.md §5).
      yield* recordPending(
        [{ type: 'session', sid: session.id, sub: session.userId, until: input.revocationUntil }],
        input.now,
      );
      // Cascades to every token of the family.
      const audit = completeRotationAudit(input.audit, 'reused', session);
      yield* executeAll(dialect, [
        ...(audit ? [asStatement(auditInsert(audit))] : []),
        { text: 'DELETE FROM sessions WHERE id = ?', values: [session.id] },
      ]);
      return { outcome: 'reused', session };
    }
  }
}

/** The rotation's writes and its audit event: on PostgreSQL one statement. */
function* consume(
  dialect: SqlDialect,
  session: SessionRecord,
  input: RotateRefreshInput,
): SqlProgram<{ outcome: 'rotated'; session: SessionRecord }> {
  const touched = sessionAfterRotation(session, input);
  const audit = completeRotationAudit(input.audit, 'rotated', session);
  yield* executeAll(dialect, [
    {
      text: 'UPDATE refresh_tokens SET consumed_at = ?, successor_cipher = ?, successor_hash = ? WHERE hash = ?',
      values: [input.now, input.successorCipher, input.successor.hash, input.presentedHash],
    },
    asStatement(refreshTokenInsert({ ...input.successor, sessionId: session.id })),
    ...(audit ? [asStatement(auditInsert(audit))] : []),
    {
      text: 'UPDATE sessions SET last_seen_at = ?, idle_expires_at = ? WHERE id = ?',
      values: [touched.lastSeenAt, touched.idleExpiresAt, session.id],
    },
  ]);
  return { outcome: 'rotated', session: touched };
}

function* sessionIdFor(hash: string): SqlProgram<string | null> {
  const found = yield* row(SESSION_ID, hash);
  return found ? (found.session_id as string) : null;
}

export function createSqlRefreshTokenStore({ run, transaction, dialect }: SqlDriver): RefreshTokenStore {
  const family = familyOf(dialect);
  return {
    issue: (record) => run(execute(INSERT, ...refreshTokenInsert(record).values)),
    async rotate(input) {
      // The plain rotation in one statement where it can be (PostgreSQL, the session named);
      // anything else, or a miss, through the transaction that decides every case.
      if (dialect.name === 'postgres' && input.presentedSession) {
        const rotated = await run(rotateInOneStatement(dialect, input, input.presentedSession));
        if (rotated) return rotated;
      }
      return transaction(rotate(dialect, family, input));
    },
    sessionIdFor: (hash) => run(sessionIdFor(hash)),
    sessionFor: (hash) => run(rowAs(toSessionRecord, SESSION_OF_TOKEN, hash)),
  };
}
