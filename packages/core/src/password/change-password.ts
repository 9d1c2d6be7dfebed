import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import type { LoginResult } from '../auth-types.ts';
import { InvalidCredentialsError, UnauthenticatedError } from '../errors.ts';
import type { RefreshTokenBinding } from '../refresh/refresh-token.ts';
import { createSession } from '../session/create-session.ts';
import { revokeAllSessions } from '../session/revoke-sessions.ts';
import type { SessionRecord, UserRecord } from '../store/types.ts';
import { admitHashing, hashingKeys } from './hashing-permit.ts';
import { assertPasswordAcceptable, isPasswordWithinBounds } from './password-policy.ts';

export interface ChangePasswordInput {
  user: UserRecord;
  session: SessionRecord;
  currentPassword: unknown;
  newPassword: unknown;
  /**
   * Starts the new session's refresh family in the session's own write (hybrid and token
   * sessions), bound to this client and DPoP key: the token is `refreshToken` in the result.
   */
  refreshToken?: RefreshTokenBinding;
}

/**
 * Changes the password of a signed-in user. The current password must be right (the same
 * `InvalidCredentialsError` as a failed login); then the new hash is stored, the caller's
 * session is replaced by a new one of the same strategy (a new id: the old credential dies),
 * and every other session of the user ends. Returns the new session like `login` does; for
 * hybrid and token sessions, asked with `refreshToken`, with the first token of its refresh family
 * (stored with the session: no hybrid or token session without one).
 */
export async function changePassword(
  deps: AuthDeps,
  input: ChangePasswordInput,
  context: RequestContext = emptyContext,
): Promise<LoginResult> {
  const { store, audit, guard, passwordPolicy } = deps;
  if (input.refreshToken && input.session.strategy === 'session')
    throw new TypeError('changePassword: a cookie session has no refresh token');
  const permit = await admitHashing(deps.hasher, 'password_change', hashingKeys(context, input.user.email));
  const hasher = permit.hasher;
  try {
    const { user, session } = input;
    // Policy first: a request that cannot succeed spends no hash (and no attempt).
    assertPasswordAcceptable(input.newPassword, passwordPolicy);
    await guard.beforeReauthentication(user.email, context);
    const currentOk =
      isPasswordWithinBounds(input.currentPassword, passwordPolicy) &&
      (await hasher.verify(user.passwordHash, input.currentPassword));
    if (!currentOk) {
      await audit.record(
        {
          type: 'password.change_failed',
          actorId: user.id,
          subjectId: user.id,
          sessionId: session.id,
          data: { reason: 'bad_password' },
        },
        context,
      );
      throw new InvalidCredentialsError('wrong current password');
    }
    await guard.accountRecovered(user.email);
    const now = deps.clock.now();
    const updated = await store.users.update(user.id, {
      passwordHash: await hasher.hash(input.newPassword),
      passwordChangedAt: now,
      updatedAt: now,
    });
    if (!updated) throw new UnauthenticatedError('ERR_SESSION_INVALID', 'user deleted meanwhile');
    // A reset link asked for before the change must not undo it.
    await store.resetTokens.deleteForUser(user.id);
    // The new session exists before the old ones go, so the user is never left signed out.
    const next = await createSession(deps, {
      user: updated,
      strategy: session.strategy,
      context,
      refreshToken: input.refreshToken,
    });
    await revokeAllSessions(deps, {
      userId: user.id,
      reason: 'password_changed',
      actorId: user.id,
      context,
      exceptSessionId: next.session.id,
    });
    await audit.record(
      { type: 'password.changed', actorId: user.id, subjectId: user.id, sessionId: next.session.id },
      context,
    );
    return { user: updated, ...next };
  } finally {
    permit.release();
  }
}
