import type { RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import type { SessionRecord } from '../store/types.ts';
import { revokeListedSessions } from './revoke-sessions.ts';

type LimitDeps = Pick<AuthDeps, 'store' | 'clock' | 'sessionPolicy' | 'revocations' | 'audit'>;

/**
 * Holds the user of `kept` (a session just started) to `sessionPolicy.maxSessionsPerUser` live
 * sessions: past it, the least recently used others end as a logout ends them (revocation
 * published first, then the delete with its `session.revoked` audit event, reason
 * `session_limit`, the user as its actor). `kept` is never one of them. Logins racing each other
 * may each miss the other's new session, so the count can pass the limit by as many as raced,
 * until the next login. Returns the sessions it ended.
 */
export async function endSessionsOverLimit(
  deps: LimitDeps,
  kept: SessionRecord,
  context: RequestContext,
): Promise<SessionRecord[]> {
  const limit = deps.sessionPolicy.maxSessionsPerUser;
  const live = await deps.store.sessions.listForUser(kept.userId, deps.clock.now());
  if (live.length <= limit) return [];
  const over = live
    .filter((session) => session.id !== kept.id)
    .sort(byMostRecentUse)
    .slice(limit - 1);
  return revokeListedSessions(deps, over, { reason: 'session_limit', actorId: kept.userId, context });
}

/** Most recently used first; of two used at the same instant, the newer first. */
function byMostRecentUse(a: SessionRecord, b: SessionRecord): number {
  return b.lastSeenAt - a.lastSeenAt || b.createdAt - a.createdAt;
}
