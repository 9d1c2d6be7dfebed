import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import type { Authenticated } from '../auth-types.ts';
import { RefreshTokenError } from '../errors.ts';
import { revocationUntil } from '../protocol/revocation-until.ts';
import type { RevocationEvent } from '../revocation/revocation-event.ts';
import { revokeSession } from '../session/revoke-sessions.ts';
import { mayRotateFor } from './rotation-rule.ts';
import type { SessionRecord } from '../store/types.ts';
import {
  decryptSuccessor,
  encryptSuccessor,
  generateRefreshToken,
  hashRefreshToken,
  isRefreshTokenShaped,
  type RefreshTokenBinding,
  readRefreshTokenBinding,
} from './refresh-token.ts';

export type Rotated = Authenticated & { refreshToken: string };

export interface RotateRefreshOptions {
  /**
   * The token's session as `getRefreshTokenSession` has just returned it (null: none): its
   * rotations are counted (`Throttles.refreshSession`) and it is passed to the store as a
   * shortcut. Without it, it is read here.
   */
  session?: SessionRecord | null;
}

/** Starts the refresh family of a (hybrid or token) session; returns the token to hand out once. */
export async function issueRefreshToken(
  deps: Pick<AuthDeps, 'store' | 'clock' | 'random'>,
  session: SessionRecord,
  binding: RefreshTokenBinding = {},
): Promise<string> {
  const token = generateRefreshToken(deps.random, binding);
  await deps.store.refreshTokens.issue({
    hash: hashRefreshToken(token),
    sessionId: session.id,
    createdAt: deps.clock.now(),
  });
  return token;
}

/**
 * Consumes a refresh token and returns its successor, atomically in the store. A replay inside
 * the grace window returns the same successor; outside it, the replay is treated as theft: the
 * session and its whole family die, a revocation is published and audited.
 *
 * The store records that revocation (pending, in its outbox) in the same transaction that deletes
 * the session; this function then publishes the very same event. A crash between the two leaves
 * it pending in the store, and a live server publishes it (docs/design.md §5): the session is
 * never dead in the store yet still accepted by verifiers.
 */
export async function rotateRefreshToken(
  deps: AuthDeps,
  presented: unknown,
  context: RequestContext = emptyContext,
  options: RotateRefreshOptions = {},
): Promise<Rotated> {
  const { store, sessionPolicy: policy } = deps;
  if (!isRefreshTokenShaped(presented))
    throw new RefreshTokenError('ERR_REFRESH_INVALID', 'malformed refresh token');
  // Counted against the token's session before anything is spent or stored; an unknown token
  // (no session) stores nothing and is refused below.
  const owner =
    options.session === undefined ? await getRefreshTokenSession(deps, presented) : options.session;
  if (owner) await deps.guard.beforeRefresh(owner, context);
  const now = deps.clock.now();
  // The successor keeps the client and DPoP key of the token it replaces.
  const successor = generateRefreshToken(deps.random, readRefreshTokenBinding(presented));
  // What a reuse revokes: recorded by the store with the deletion, published below.
  const until = revocationUntil('session', now, policy.accessTokenTtlMs);
  const result = await store.refreshTokens.rotate({
    presentedHash: hashRefreshToken(presented),
    presentedSession: owner ?? undefined,
    successor: { hash: hashRefreshToken(successor), createdAt: now },
    successorCipher: encryptSuccessor(presented, successor, deps.random),
    now,
    graceMs: policy.refreshGraceMs,
    idleTtlMs: policy.idleTtlMs,
    revocationUntil: until,
    // Written by the store with the outcome (the session's ids filled in): one commit, no event lost.
    audit: {
      rotated: deps.audit.event({ type: 'refresh.rotated' }, context),
      reused: deps.audit.event({ type: 'refresh.reuse_detected' }, context),
    },
  });
  if (result.outcome === 'invalid')
    throw new RefreshTokenError('ERR_REFRESH_INVALID', 'unknown or expired refresh token');
  if (result.outcome === 'reused') {
    const revoked: RevocationEvent = {
      type: 'session',
      sid: result.session.id,
      sub: result.session.userId,
      until,
    };
    await deps.revocations.publish([revoked]);
    throw new RefreshTokenError('ERR_REFRESH_REUSED', 'refresh token reused: family revoked');
  }
  // A store that reads the user in the rotation returns it (SQL, Redis, memory); others cost a read here.
  const user = result.user ?? (await store.users.getById(result.session.userId));
  if (!mayRotateFor(user)) throw new RefreshTokenError('ERR_REFRESH_INVALID', 'user inactive');
  if (result.outcome === 'replayed') {
    const same = decryptSuccessor(presented, result.successorCipher);
    if (!same) throw new RefreshTokenError('ERR_REFRESH_INVALID', 'successor unavailable');
    // An access token is issued now: the session must say so (see publishUserRevocation).
    // A session ended since the replay was read (a logout-all) must not get a token.
    const idleExpiresAt = Math.min(now + policy.idleTtlMs, result.session.absoluteExpiresAt);
    if (!(await store.sessions.touch(result.session.id, now, idleExpiresAt)))
      throw new RefreshTokenError('ERR_REFRESH_INVALID', 'session ended');
    return { user, session: { ...result.session, lastSeenAt: now, idleExpiresAt }, refreshToken: same };
  }
  return { user, session: result.session, refreshToken: successor };
}

/**
 * The session a refresh token (live or already rotated) belongs to, read without consuming the
 * token; null for a malformed or unknown token. Callers check the session (strategy, CSRF
 * binding) with it before `rotateRefreshToken` spends the token.
 */
export async function getRefreshTokenSession(
  deps: Pick<AuthDeps, 'store'>,
  presented: unknown,
): Promise<SessionRecord | null> {
  if (!isRefreshTokenShaped(presented)) return null;
  const { refreshTokens, sessions } = deps.store;
  const hash = hashRefreshToken(presented);
  if (refreshTokens.sessionFor) return refreshTokens.sessionFor(hash);
  const sessionId = await refreshTokens.sessionIdFor(hash);
  return sessionId ? sessions.get(sessionId) : null;
}

/**
 * RFC 7009 for refresh tokens: ends the session a token belongs to, and with it the whole
 * family. Any token of the family will do, even one already rotated: whoever holds it may end
 * the login it came from. Resolves false for an unknown token (the caller answers 200 anyway).
 */
export async function revokeByRefreshToken(
  deps: AuthDeps,
  presented: unknown,
  context: RequestContext = emptyContext,
): Promise<boolean> {
  const session = await getRefreshTokenSession(deps, presented);
  if (!session) return false;
  const revoked = await revokeSession(deps, {
    sessionId: session.id,
    // Just read through the token: not read again.
    session,
    reason: 'token_revoked',
    actorId: session.userId,
    context,
  });
  return revoked !== null;
}
