import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import type { LoginResult } from '../auth-types.ts';
import type { Strategy } from '../store/types.ts';
import { type Credentials, verifyCredentials } from '../user/verify-credentials.ts';
import { createSession } from './create-session.ts';

export interface LoginInput extends Credentials {
  /** Default `session` (a cookie session). */
  strategy?: Strategy;
}

/** Verifies credentials and starts a new session (always a fresh id: a presented one is never adopted). */
export async function login(
  deps: AuthDeps,
  input: LoginInput,
  context: RequestContext = emptyContext,
): Promise<LoginResult> {
  const user = await verifyCredentials(deps, input, context);
  const strategy = input.strategy ?? 'session';
  const { session, sessionToken } = await createSession(deps, { user, strategy, context });
  await deps.audit.record(
    {
      type: 'login.success',
      actorId: user.id,
      subjectId: user.id,
      sessionId: session.id,
      data: { strategy },
    },
    context,
  );
  return { user, session, sessionToken };
}
