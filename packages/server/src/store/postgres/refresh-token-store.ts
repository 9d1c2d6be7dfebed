import type { Pool } from 'pg';
import type { RefreshTokenStore, RotateRefreshResult } from '@gatehouse/core';
import { chooseRotationStep, isSessionLive, isSuccessorUsed, sessionAfterRotation } from '@gatehouse/core';
import { toRefreshTokenRecord, toSessionRecord } from '../lib/rows.ts';
import { runInTransaction } from './transaction.ts';

export function createPostgresRefreshTokenStore(pool: Pool): RefreshTokenStore {
  return {
    async issue(record) {
      await pool.query('INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES ($1, $2, $3)', [
        record.hash,
        record.sessionId,
        record.createdAt,
      ]);
    },
    async rotate(input) {
      return runInTransaction(pool, async (client): Promise<RotateRefreshResult> => {
        const owner = await client.query('SELECT session_id FROM refresh_tokens WHERE hash = $1', [
          input.presentedHash,
        ]);
        if (!owner.rows[0]) return { outcome: 'invalid' };
        // Lock the session before the token, the order in which deleting a session (revoke, reuse,
        // user deletion) takes them through the cascade, so the two can never deadlock.
        const sessionResult = await client.query('SELECT * FROM sessions WHERE id = $1 FOR UPDATE', [
          owner.rows[0].session_id,
        ]);
        if (!sessionResult.rows[0]) return { outcome: 'invalid' };
        const session = toSessionRecord(sessionResult.rows[0]);
        if (!isSessionLive(session, input.now)) return { outcome: 'invalid' };
        // Read under the lock, after any rotation that got there first has committed: parallel
        // refreshes of one token queue here, and all but the first find it consumed.
        const tokenResult = await client.query('SELECT * FROM refresh_tokens WHERE hash = $1 FOR UPDATE', [
          input.presentedHash,
        ]);
        if (!tokenResult.rows[0]) return { outcome: 'invalid' };

        const token = toRefreshTokenRecord(tokenResult.rows[0]);
        // The family is serialised by the session lock above: the successor cannot change meanwhile.
        const successorResult = token.successorHash
          ? await client.query('SELECT consumed_at FROM refresh_tokens WHERE hash = $1', [
              token.successorHash,
            ])
          : null;
        const successorRow = successorResult?.rows[0];
        const successor = successorRow ? { consumedAt: successorRow.consumed_at as number | null } : null;
        const decision = chooseRotationStep(token, input, isSuccessorUsed(successor));
        switch (decision.step) {
          case 'rotate': {
            const touched = sessionAfterRotation(session, input);
            await client.query(
              'UPDATE refresh_tokens SET consumed_at = $2, successor_cipher = $3, successor_hash = $4 WHERE hash = $1',
              [input.presentedHash, input.now, input.successorCipher, input.successor.hash],
            );
            await client.query(
              'INSERT INTO refresh_tokens (hash, session_id, created_at) VALUES ($1, $2, $3)',
              [input.successor.hash, session.id, input.successor.createdAt],
            );
            await client.query('UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id = $1', [
              session.id,
              touched.lastSeenAt,
              touched.idleExpiresAt,
            ]);
            return { outcome: 'rotated', session: touched };
          }
          case 'replay':
            return { outcome: 'replayed', session, successorCipher: decision.successorCipher };
          case 'reuse':
            // Cascades to every token of the family.
            await client.query('DELETE FROM sessions WHERE id = $1', [session.id]);
            return { outcome: 'reused', session };
        }
      });
    },
    async sessionIdFor(hash) {
      const { rows } = await pool.query('SELECT session_id FROM refresh_tokens WHERE hash = $1', [hash]);
      return rows[0] ? (rows[0].session_id as string) : null;
    },
  };
}
