import type { DatabaseSync } from 'node:sqlite';
import type { RefreshTokenStore, RotateRefreshResult } from '@gatehouse/core';
import { chooseRotationStep, isSessionLive, isSuccessorUsed, sessionAfterRotation } from '@gatehouse/core';
import { toRefreshTokenRecord, toSessionRecord } from '../lib/rows.ts';
import { runInImmediateTransaction } from './transaction.ts';

export function createSqliteRefreshTokenStore(db: DatabaseSync): RefreshTokenStore {
  const insert = db.prepare('INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES (?, ?, ?)');
  const selectToken = db.prepare('SELECT * FROM refresh_tokens WHERE hash = ?');
  const selectSession = db.prepare('SELECT * FROM sessions WHERE id = ?');
  const consume = db.prepare(
    'UPDATE refresh_tokens SET consumed_at = ?, successor_cipher = ?, successor_hash = ? WHERE hash = ?',
  );
  const selectConsumedAt = db.prepare('SELECT consumed_at FROM refresh_tokens WHERE hash = ?');
  const touchSession = db.prepare('UPDATE sessions SET last_seen_at = ?, idle_expires_at = ? WHERE id = ?');
  // Cascades to every token of the family.
  const deleteSession = db.prepare('DELETE FROM sessions WHERE id = ?');

  return {
    async issue(record) {
      insert.run(record.hash, record.sessionId, record.createdAt);
    },
    async rotate(input) {
      return runInImmediateTransaction(db, (): RotateRefreshResult => {
        const tokenRow = selectToken.get(input.presentedHash);
        if (!tokenRow) return { outcome: 'invalid' };
        const sessionRow = selectSession.get(tokenRow.session_id as string);
        if (!sessionRow) return { outcome: 'invalid' };
        const session = toSessionRecord(sessionRow);
        if (!isSessionLive(session, input.now)) return { outcome: 'invalid' };

        const token = toRefreshTokenRecord(tokenRow);
        const successorRow = token.successorHash ? selectConsumedAt.get(token.successorHash) : undefined;
        const successor = successorRow ? { consumedAt: successorRow.consumed_at as number | null } : null;
        const decision = chooseRotationStep(token, input, isSuccessorUsed(successor));
        switch (decision.step) {
          case 'rotate': {
            const touched = sessionAfterRotation(session, input);
            consume.run(input.now, input.successorCipher, input.successor.hash, input.presentedHash);
            insert.run(input.successor.hash, session.id, input.successor.createdAt);
            touchSession.run(touched.lastSeenAt, touched.idleExpiresAt, session.id);
            return { outcome: 'rotated', session: touched };
          }
          case 'replay':
            return { outcome: 'replayed', session, successorCipher: decision.successorCipher };
          case 'reuse':
            deleteSession.run(session.id);
            return { outcome: 'reused', session };
        }
      });
    },
    async sessionIdFor(hash) {
      const row = selectToken.get(hash);
      return row ? (row.session_id as string) : null;
    },
  };
}
