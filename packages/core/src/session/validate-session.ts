import type { AuthDeps } from '../auth-deps.ts';
import type { Authenticated } from '../auth-types.ts';
import { UnauthenticatedError } from '../errors.ts';
import { isSessionLive } from '../refresh/rotation-rule.ts';
import type { SessionRecord } from '../store/types.ts';
import { parseSessionToken, sessionSecretMatches } from './session-token.ts';

type ValidationDeps = Pick<AuthDeps, 'store' | 'clock' | 'sessionPolicy'>;

/**
 * The rest of validation for a session already read from the store: liveness (an expired one is
 * deleted), its user (one read; must be active), and the sliding idle deadline (touched at most
 * once per touch interval). Null when the session is dead or its user inactive.
 */
async function liveWith(deps: ValidationDeps, session: SessionRecord): Promise<Authenticated | null> {
  const { store, sessionPolicy: policy } = deps;
  const now = deps.clock.now();
  if (!isSessionLive(session, now)) {
    await store.sessions.revoke(session.id);
    return null;
  }
  const user = await store.users.getById(session.userId);
  if (user?.status !== 'active') return null;
  if (now - session.lastSeenAt >= policy.touchIntervalMs) {
    const idleExpiresAt = Math.min(now + policy.idleTtlMs, session.absoluteExpiresAt);
    await store.sessions.touch(session.id, now, idleExpiresAt);
    session.lastSeenAt = now;
    session.idleExpiresAt = idleExpiresAt;
  }
  return { user, session };
}

/** Loads a live session with its active user; null when either is gone, expired or suspended. */
export async function getLiveSession(deps: ValidationDeps, sessionId: string): Promise<Authenticated | null> {
  const session = await deps.store.sessions.get(sessionId);
  return session ? liveWith(deps, session) : null;
}

/**
 * Validates a session cookie value: one session read and one user read (plus, at most once per
 * touch interval, the touch). Throws `UnauthenticatedError` for anything but a live session.
 */
export async function validateSessionToken(deps: ValidationDeps, value: unknown): Promise<Authenticated> {
  const token = parseSessionToken(value);
  if (!token) throw new UnauthenticatedError('ERR_SESSION_INVALID', 'malformed session token');
  const session = await deps.store.sessions.get(token.id);
  if (!session || !sessionSecretMatches(token.secret, session.secretHash)) {
    throw new UnauthenticatedError('ERR_SESSION_INVALID', 'unknown session');
  }
  // Only cookie sessions authenticate with their secret; token strategies use access tokens.
  if (session.strategy !== 'session')
    throw new UnauthenticatedError('ERR_SESSION_INVALID', 'not a cookie session');
  const live = await liveWith(deps, session);
  if (!live) throw new UnauthenticatedError('ERR_SESSION_EXPIRED', 'session expired or user inactive');
  return live;
}
