import type { RefreshTokenStore } from '@gatehouse/core';
import { type FollowingInsert, insertTarget } from './write-with-inserts.ts';

export const REFRESH_TOKENS = insertTarget('refresh_tokens', 'hash, session_id, created_at', [
  'text',
  'text',
  'bigint',
]);

/** A token of a session's family as a row to insert with another write (sql/write-with-inserts.ts). */
export function refreshTokenInsert(record: Parameters<RefreshTokenStore['issue']>[0]): FollowingInsert {
  return { target: REFRESH_TOKENS, values: [record.hash, record.sessionId, record.createdAt] };
}
