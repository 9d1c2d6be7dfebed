import type {
  RefreshTokenStore,
  RotateRefreshInput,
  RotateRefreshResult,
  SessionRecord,
} from '@gatehouse/core';
import { chooseRotationStep, isSessionLive, isSuccessorUsed, sessionAfterRotation } from '@gatehouse/core';
import { toRefreshTokenRecord, toSessionRecord } from './rows.ts';
import type { SqlDialect, SqlDriver } from './driver.ts';
import { execute, row, type SqlProgram } from './program.ts';
import { recordPending } from './revocation-store.ts';
import { type FollowingInsert, insertTarget } from './write-with-inserts.ts';

const REFRESH_TOKENS = insertTarget('refresh_tokens', 'hash, session_id, created_at', [
  'text',
  'text',
  'bigint',
]);
const INSERT = REFRESH_TOKENS.text;
const SESSION_ID = 'SELECT session_id FROM refresh_tokens WHERE hash = ?';

type IssuedToken = Parameters<RefreshTokenStore['issue']>[0];

/** Run in a transaction: SQLite's holds the write lock throughout, PostgreSQL's locks the rows it reads. */
function* rotate({ forUpdate }: SqlDialect, input: RotateRefreshInput): SqlProgram<RotateRefreshResult> {
  const owner = yield* row(SESSION_ID, input.presentedHash);
  if (!owner) return { outcome: 'invalid' };
  // Lock the session before the token, the order in which deleting a session (revoke, reuse,
  // user deletion) takes them through the cascade, so the two can never deadlock.
  const sessionRow = yield* row(`SELECT * FROM sessions WHERE id = ?${forUpdate}`, owner.session_id);
  if (!sessionRow) return { outcome: 'invalid' };
  const session = toSessionRecord(sessionRow);
  if (!isSessionLive(session, input.now)) return { outcome: 'invalid' };
  // Read under the lock, after any rotation that got there first has committed: parallel
  // refreshes of one token queue here, and all but the first find it consumed.
  const tokenRow = yield* row(`SELECT * FROM refresh_tokens WHERE hash = ?${forUpdate}`, input.presentedHash);
  if (!tokenRow) return { outcome: 'invalid' };

  const token = toRefreshTokenRecord(tokenRow);
  // The family is serialised by the session lock above: the successor cannot change meanwhile.
  const successorRow = token.successorHash
    ? yield* row('SELECT consumed_at FROM refresh_tokens WHERE hash = ?', token.successorHash)
    : undefined;
  const successor = successorRow ? { consumedAt: successorRow.consumed_at as number | null } : null;
  const decision = chooseRotationStep(token, input, isSuccessorUsed(successor));
  switch (decision.step) {
    case 'rotate':
      return yield* consume(session, input);
    case 'replay':
      return { outcome: 'replayed', session, successorCipher: decision.successorCipher };
    case 'reuse':
      // The outbox: the revocation is durable, pending, in the transaction that ends the session,
      // so no crash can leave the session deleted but unrevoked (docs/design.md §5).
      yield* recordPending(
        [{ type: 'session', sid: session.id, sub: session.userId, until: input.revocationUntil }],
        input.now,
      );
      // Cascades to every token of the family.
      yield* execute('DELETE FROM sessions WHERE id = ?', session.id);
      return { outcome: 'reused', session };
  }
}

function* consume(session: SessionRecord, input: RotateRefreshInput): SqlProgram<RotateRefreshResult> {
  const touched = sessionAfterRotation(session, input);
  yield* execute(
    'UPDATE refresh_tokens SET consumed_at = ?, successor_cipher = ?, successor_hash = ? WHERE hash = ?',
    input.now,
    input.successorCipher,
    input.successor.hash,
    input.presentedHash,
  );
  yield* execute(INSERT, input.successor.hash, session.id, input.successor.createdAt);
  yield* execute(
    'UPDATE sessions SET last_seen_at = ?, idle_expires_at = ? WHERE id = ?',
    touched.lastSeenAt,
    touched.idleExpiresAt,
    session.id,
  );
  return { outcome: 'rotated', session: touched };
}

/** The first token of a session's family as a row to insert with the session (sql/write-with-inserts.ts). */
export function refreshTokenInsert(record: IssuedToken): FollowingInsert {
  return { target: REFRESH_TOKENS, values: [record.hash, record.sessionId, record.createdAt] };
}

function* sessionIdFor(hash: string): SqlProgram<string | null> {
  const found = yield* row(SESSION_ID, hash);
  return found ? (found.session_id as string) : null;
}

export function createSqlRefreshTokenStore({ run, transaction, dialect }: SqlDriver): RefreshTokenStore {
  return {
    issue: (record) => run(execute(INSERT, ...refreshTokenInsert(record).values)),
    rotate: (input) => transaction(rotate(dialect, input)),
    sessionIdFor: (hash) => run(sessionIdFor(hash)),
  };
}
