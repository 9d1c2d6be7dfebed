import type { AuthDeps } from '../auth-deps.ts';
import { revocationUntil } from '../protocol/revocation-until.ts';
import type { SessionRecord } from '../store/types.ts';
import type { RevocationEvent } from './revocation-event.ts';

type PublishDeps = Pick<AuthDeps, 'clock' | 'sessionPolicy' | 'revocations'>;

/** One `session` event per session, in force as long as an access token of it could live. */
export async function publishSessionRevocations(
  deps: PublishDeps,
  sessions: Pick<SessionRecord, 'id' | 'userId'>[],
): Promise<void> {
  if (sessions.length === 0) return;
  const until = revocationUntil('session', deps.clock.now(), deps.sessionPolicy.accessTokenTtlMs);
  const events: RevocationEvent[] = sessions.map((session) => ({
    type: 'session',
    sid: session.id,
    sub: session.userId,
    until,
  }));
  await deps.revocations.publish(events);
}

/**
 * Every session of a user ended (logout-all, password change or reset, suspension, deletion):
 * one `user` event, O(1) on the wire however many sessions there were. Verifiers compare it with
 * the token's `iat`, which is in whole seconds, so `before` is the start of this second: a token
 * issued earlier in this second is not covered by it, and the sessions that may have issued one
 * (seen this second) are named by `session` events as well. Every issuance touches its session
 * (login creates it; a rotation or a lost-response replay touches it) and dates its token's `iat`
 * from that touch (AccessTokenInput.issuedAt), never later: a session touched before this second
 * only has tokens the `user` event covers, even one signed after a second boundary.
 * A session kept (the new one of a password change) is never named and, issued from this second
 * on, is not covered.
 * Resolves the event's `before`, or null when there were no sessions (nothing published).
 * Callers publish before they delete (revokeAllSessions): a session touched after they listed it
 * is named afterwards by `touchedSince` with the same `before`.
 */
export async function publishUserRevocation(
  deps: PublishDeps,
  userId: string,
  sessions: SessionRecord[],
): Promise<number | null> {
  if (sessions.length === 0) return null;
  const now = deps.clock.now();
  const before = Math.floor(now / 1000) * 1000;
  const until = revocationUntil('user', now, deps.sessionPolicy.accessTokenTtlMs);
  const events: RevocationEvent[] = [{ type: 'user', sub: userId, before, until }];
  for (const session of touchedSince(sessions, before))
    events.push({ type: 'session', sid: session.id, sub: session.userId, until });
  await deps.revocations.publish(events);
  return before;
}

/** The sessions a `user` event with this `before` may not cover: touched (or created) since. */
export function touchedSince(sessions: SessionRecord[], before: number): SessionRecord[] {
  return sessions.filter((session) => Math.max(session.lastSeenAt, session.createdAt) >= before);
}
