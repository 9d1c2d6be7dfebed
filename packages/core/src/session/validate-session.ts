import type { AuthDeps } from '../auth-deps.ts';
import type { Authenticated } from '../auth-types.ts';
import { UnauthenticatedError } from '../errors.ts';
import { isSessionLive } from '../refresh/rotation-rule.ts';
import type { SessionRecord, SessionWithUser, UserRecord } from '../store/types.ts';
import { parseSessionToken, sessionSecretMatches } from './session-token.ts';

type ValidationDeps = Pick<AuthDeps, 'store' | 'clock' | 'sessionPolicy'>;

/** The session, with its user where the store reads both in one go (`getWithUser`; else no `user`). */
async function readSession(
  { store }: ValidationDeps,
  id: string,
): Promise<{ session: SessionRecord; user?: SessionWithUser['user'] } | null> {
  if (store.sessions.getWithUser) return store.sessions.getWithUser(id);
  const session = await store.sessions.get(id);
  return session && { session };
}

/**
 * The rest of validation for a session already read from the store: liveness (an expired one is
 * deleted), its user (read with the session where the store could, otherwise one read here; must be
 * active), and the sliding idle deadline (touched at most once per touch interval). Null when the
 * session is dead or its user inactive.
 */
async function liveWith(
  deps: ValidationDeps,
  session: SessionRecord,
  read: UserRecord | null | undefined,
): Promise<Authenticated | null> {
  const { store, sessionPolicy: policy } = deps;
  const now = deps.clock.now();
  if (!isSessionLive(session, now)) {
    await store.sessions.revoke(session.id);
    return null;
  }
  const user = read === undefined ? await store.users.getById(session.userId) : read;
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
  const found = await readSession(deps, sessionId);
  return found ? liveWith(deps, found.session, found.user) : null;
}

/**
 * Validates a session cookie value: one read of the session with its user, or a session read and a
 * user read (plus, at most once per touch interval, the touch). Throws `UnauthenticatedError` for
 * anything but a live session.
 */
export async function validateSessionToken(deps: ValidationDeps, value: unknown): Promise<Authenticated> {
  const token = parseSessionToken(value);
  if (!token) throw new UnauthenticatedError('ERR_SESSION_INVALID', 'malformed session token');
  const found = await readSession(deps, token.id);
  const session = found?.session;
  if (!session || !sessionSecretMatches(token.secret, session.secretHash)) {
    throw new UnauthenticatedError('ERR_SESSION_INVALID', 'unknown session');
  }
  // Only cookie sessions authenticate with their secret; token strategies use access tokens.
  if (session.strategy !== 'session')
    throw new UnauthenticatedError('ERR_SESSION_INVALID', 'not a cookie session');
  const live = await liveWith(deps, session, found.user);
  if (!live) throw new UnauthenticatedError('ERR_SESSION_EXPIRED', 'session expired or user inactive');
  return live;
}
