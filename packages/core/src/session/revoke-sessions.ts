import { type AuditInput, emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import type { RevokeReason } from '../auth-types.ts';
import { NotFoundError } from '../errors.ts';
import {
  publishSessionRevocations,
  publishUserRevocation,
  touchedSince,
} from '../revocation/publish-revocations.ts';
import type { SessionRecord } from '../store/types.ts';

type RevokeDeps = Pick<AuthDeps, 'store' | 'clock' | 'sessionPolicy' | 'revocations' | 'audit'>;

export interface RevokeSessionOptions {
  sessionId: string;
  reason: RevokeReason;
  /** Who ends it (audited): the user, an admin, or null for the CLI. */
  actorId: string | null;
  context?: RequestContext;
  /**
   * The session (`sessionId`'s) as the caller read it live in this same request, where it did
   * (logout: the request was authenticated with it): its revocation is published without reading
   * it again. Should a concurrent call have deleted it meanwhile, the event is published once
   * more (events are idempotent) and the result is null, as without it. Only for a session just
   * seen live: an id from an old token would publish for a session long gone.
   */
  session?: Pick<SessionRecord, 'id' | 'userId'>;
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

export interface Audited {
  reason: RevokeReason;
  actorId: string | null;
  context: RequestContext;
}

/** The `session.revoked` audit event of one ended session. */
function revoked(
  session: Pick<SessionRecord, 'id' | 'userId'>,
  { reason, actorId }: Omit<Audited, 'context'>,
): AuditInput {
  return {
    type: 'session.revoked',
    actorId,
    subjectId: session.userId,
    sessionId: session.id,
    data: { reason },
  };
}

/** Audits each ended session. */
async function auditRevocations(
  deps: RevokeDeps,
  sessions: SessionRecord[],
  audited: Audited,
): Promise<void> {
  for (const session of sessions) await deps.audit.record(revoked(session, audited), audited.context);
}

// Fail safe: the durable revocation is written before the session rows are deleted. A crash or a
// store error between the two leaves a session revoked at every verifier but still present (the
// caller got no answer and retries; the retry completes), never one deleted whose access tokens
// still verify until they expire.

/** Ends one session (logout). Idempotent: null when it was already gone. */
export async function revokeSession(
  deps: RevokeDeps,
  { sessionId, reason, actorId, context = emptyContext, session: seen }: RevokeSessionOptions,
): Promise<SessionRecord | null> {
  if (seen && seen.id !== sessionId) throw new TypeError('revokeSession: session is not sessionId');
  const session = seen ?? (await deps.store.sessions.get(sessionId));
  if (!session) return null;
  const [ended] = await revokeListedSessions(deps, [session], { reason, actorId, context });
  return ended ?? null;
}

/**
 * Ends sessions the caller has just read live: their revocations are published together, then
 * each is deleted with its audit event (one write each). Returns those this call deleted: one a
 * concurrent revocation deleted first is audited by that one, and this write appends nothing.
 */
export async function revokeListedSessions(
  deps: RevokeDeps,
  sessions: Pick<SessionRecord, 'id' | 'userId'>[],
  { reason, actorId, context }: Audited,
): Promise<SessionRecord[]> {
  await publishSessionRevocations(deps, sessions);
  const ended: SessionRecord[] = [];
  for (const session of sessions) {
    const event = deps.audit.event(revoked(session, { reason, actorId }), context);
    const deleted = await deps.store.sessions.revoke(session.id, event, session.userId);
    if (deleted) ended.push(deleted);
  }
  return ended;
}

/**
 * Ends every session of a user, optionally but one; returns those it ended. The `user` event is
 * published for the live sessions listed first; the delete then returns every session it ended
 * with its last touch, and any of them touched since `before` (a rotation or a login racing this
 * call) and not yet named gets its `session` event, so publishUserRevocation's rule holds for
 * what was actually deleted. When none was live, the delete's (expired or racing) sessions are
 * published after it, as a single `user` event again.
 */
export async function revokeAllSessions(
  deps: RevokeDeps,
  { userId, reason, actorId, context = emptyContext, exceptSessionId }: RevokeAllSessionsOptions,
): Promise<SessionRecord[]> {
  const listed = (await deps.store.sessions.listForUser(userId, deps.clock.now())).filter(
    (session) => session.id !== exceptSessionId,
  );
  const before = await publishUserRevocation(deps, userId, listed);
  const revoked = await deps.store.sessions.revokeAllForUser(userId, exceptSessionId);
  if (before === null) await publishUserRevocation(deps, userId, revoked);
  else {
    const named = new Set(touchedSince(listed, before).map((session) => session.id));
    await publishSessionRevocations(
      deps,
      touchedSince(revoked, before).filter((session) => !named.has(session.id)),
    );
  }
  await auditRevocations(deps, revoked, { reason, actorId, context });
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
