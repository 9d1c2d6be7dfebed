import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import { nextEventLoopTurn } from '../lib/event-loop-turn.ts';
import type { LoginResult } from '../auth-types.ts';
import type { RefreshTokenBinding } from '../refresh/refresh-token.ts';
import type { Strategy } from '../store/types.ts';
import { type Credentials, verifyCredentials } from '../user/verify-credentials.ts';
import { type CreatedSession, type CreateSessionOptions, createSession } from './create-session.ts';
import { endSessionsOverLimit } from './session-limit.ts';

export interface LoginInput extends Credentials {
  /** Default `session` (a cookie session). */
  strategy?: Strategy;
  /**
   * Starts the session's refresh family with the login's own write (hybrid and token logins), bound
   * to this client and DPoP key: the token is `refreshToken` in the result, as `issueRefreshToken`
   * would have returned it, without a write of its own.
   */
  refreshToken?: RefreshTokenBinding;
}

/**
 * Verifies credentials and starts a new session (always a fresh id: a presented one is never adopted),
 * then ends the user's least recently used sessions past `sessionPolicy.maxSessionsPerUser` (`startSession`).
 * The session, its `login.success` audit event and (asked with `refreshToken`) the first token of
 * its refresh family are one store write: one transaction, one commit. That write waits for the
 * event loop's next turn first, and so does the answer after it: over a synchronous store (SQLite) a
 * served login is then three short stretches of event-loop work instead of one (the caller's
 * response, cookie or tokens, in the last instead of behind the write), and a request that arrives
 * meanwhile (a guarded route during a login flood) waits for one of them at most.
 */
export async function login(
  deps: AuthDeps,
  input: LoginInput,
  context: RequestContext = emptyContext,
): Promise<LoginResult> {
  const strategy = input.strategy ?? 'session';
  if (input.refreshToken && strategy === 'session')
    throw new TypeError('login: a cookie session has no refresh token');
  const user = await verifyCredentials(deps, input, context);
  await nextEventLoopTurn();
  const created = await startSession(deps, {
    user,
    strategy,
    context,
    audit: { type: 'login.success', actorId: user.id, subjectId: user.id, data: { strategy } },
    refreshToken: input.refreshToken,
  });
  await nextEventLoopTurn();
  return { user, ...created };
}

/**
 * `createSession`, then the user held to `sessionPolicy.maxSessionsPerUser` (`endSessionsOverLimit`):
 * how every session starts, through a login or through `Auth.createSession` (an embedder's own
 * sign-in), so no way in passes the limit.
 */
export async function startSession(deps: AuthDeps, options: CreateSessionOptions): Promise<CreatedSession> {
  const created = await createSession(deps, options);
  await endSessionsOverLimit(deps, created.session, options.context ?? emptyContext);
  return created;
}
