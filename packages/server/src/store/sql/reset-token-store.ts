import type { ResetTokenStore } from '@gatehouse/core';
import type { SqlDriver } from './driver.ts';
import { count, execute, row, type SqlProgram } from './program.ts';

// The user id is the primary key: a newer token replaces the older one in one statement, so two
// racing requests cannot both leave a live token behind.
const UPSERT = `
  INSERT INTO reset_tokens (user_id, hash, created_at, expires_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (user_id) DO UPDATE SET
    hash = excluded.hash, created_at = excluded.created_at, expires_at = excluded.expires_at
`;

function* consume(hash: string, now: number): SqlProgram<{ userId: string } | null> {
  // One statement reads and deletes: of two consumers, only one gets the row back.
  const taken = yield* row('DELETE FROM reset_tokens WHERE hash = ? RETURNING user_id, expires_at', hash);
  if (!taken || (taken.expires_at as number) <= now) return null;
  return { userId: taken.user_id as string };
}

export function createSqlResetTokenStore({ run }: SqlDriver): ResetTokenStore {
  return {
    create: (record) => run(execute(UPSERT, record.userId, record.hash, record.createdAt, record.expiresAt)),
    consume: (hash, now) => run(consume(hash, now)),
    deleteForUser: (userId) => run(count('DELETE FROM reset_tokens WHERE user_id = ?', userId)),
    deleteExpired: (now) => run(count('DELETE FROM reset_tokens WHERE expires_at <= ?', now)),
  };
}
