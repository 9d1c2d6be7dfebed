import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import type { RevokeReason } from '../auth-types.ts';
import { NotFoundError } from '../errors.ts';
import { publishSessionRevocations, publishUserRevocation } from '../revocation/publish-revocations.ts';
import type { SessionRecord } from '../store/types.ts';

type RevokeDeps = Pick<AuthDeps, 'store' | 'clock' | 'sessionPolicy' | 'revocations' | 'audit'>;

export interface RevokeSessionOptions {
  sessionId: string;
  reason: RevokeReason;
  /** Who ends it (audited): the user, an admin, or null for the CLI. */
  actorId: string | null;
  context?: RequestContext;
}

export interface RevokeAllSessionsOptions {
  userId: string;
  reason: RevokeReason;
  actorId: string | null;
  context?: RequestContext;
  /** A session to keep (the caller's new one after a password change). */
  exceptSessionId?: string;
}

export interface RevokeOwnSessionOptions {
  userId: string;
  sessionId: string;
  context?: RequestContext;
}

/** Publishes the revocations (one `user` event when `allOfUser` is given), then audits each session. */
async function recordRevocations(
  deps: RevokeDeps,
  sessions: SessionRecord[],
  audited: { reason: RevokeReason; actorId: string | null; context: RequestContext },
  allOfUser?: string,
): Promise<void> {
  if (allOfUser === undefined) await publishSessionRevocations(deps, sessions);
  else await publishUserRevocation(deps, allOfUser, sessions);
  for (const session of sessions) {
    await deps.audit.record(
      {
        type: 'session.revoked',
        actorId: audited.actorId,
        subjectId: session.userId,
        sessionId: session.id,
        data: { reason: audited.reason },
      },
      audited.context,
    );
  }
}

/** Ends one session (logout). Idempotent: null when it was already gone. */
export async function revokeSession(
  deps: RevokeDeps,
  { sessionId, reason, actorId, context = emptyContext }: RevokeSessionOptions,
): Promise<SessionRecord | null> {
  const revoked = await deps.store.sessions.revoke(sessionId);
  if (revoked) await recordRevocations(deps, [revoked], { reason, actorId, context });
  return revoked;
}

/** Ends every session of a user, optionally but one; returns those it ended. */
export async function revokeAllSessions(
  deps: RevokeDeps,
  { userId, reason, actorId, context = emptyContext, exceptSessionId }: RevokeAllSessionsOptions,
): Promise<SessionRecord[]> {
  const revoked = await deps.store.sessions.revokeAllForUser(userId, exceptSessionId);
  await recordRevocations(deps, revoked, { reason, actorId, context }, userId);
  return revoked;
}

/** Revokes one of the caller's own sessions; someone else's session id answers NotFound, not Forbidden. */
export async function revokeOwnSession(
  deps: RevokeDeps,
  { userId, sessionId, context = emptyContext }: RevokeOwnSessionOptions,
): Promise<void> {
  const session = await deps.store.sessions.get(sessionId);
  if (!session || session.userId !== userId) throw new NotFoundError('no such session');
  await revokeSession(deps, { sessionId, reason: 'user_revoked', actorId: userId, context });
}

/** The user's live sessions, newest first. */
export function listSessions(
  deps: Pick<AuthDeps, 'store' | 'clock'>,
  userId: string,
): Promise<SessionRecord[]> {
  return deps.store.sessions.listForUser(userId, deps.clock.now());
}
