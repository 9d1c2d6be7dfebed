import { type AuditInput, emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import {
  generateRefreshToken,
  hashRefreshToken,
  type RefreshTokenBinding,
} from '../refresh/refresh-token.ts';
import type { SessionRecord, Strategy, UserRecord } from '../store/types.ts';
import { generateSessionToken, hashSessionSecret } from './session-token.ts';

export interface CreateSessionOptions {
  user: UserRecord;
  strategy: Strategy;
  context?: RequestContext;
  /**
   * An audit event written with the session, in the same store transaction (one commit); its
   * `sessionId` is the new session's.
   */
  audit?: AuditInput;
  /**
   * Starts the session's refresh family in the same store write (a hybrid or token session is
   * never stored without its first refresh token): the token, bound to this client and DPoP key,
   * is in the result.
   */
  refreshToken?: RefreshTokenBinding;
}

export interface CreatedSession {
  session: SessionRecord;
  /** `id.secret`: goes into the cookie (session strategy) and is never stored. */
  sessionToken: string;
  /** With the `refreshToken` option: the first token of the session's refresh family, never stored. */
  refreshToken?: string;
}

/** Starts a session for an already-authenticated user: always a fresh id and secret. */
export async function createSession(
  deps: Pick<AuthDeps, 'store' | 'clock' | 'random' | 'sessionPolicy' | 'audit'>,
  { user, strategy, context = emptyContext, audit, refreshToken: binding }: CreateSessionOptions,
): Promise<CreatedSession> {
  const { sessionPolicy: policy } = deps;
  const now = deps.clock.now();
  const token = generateSessionToken(deps.random);
  const session: SessionRecord = {
    id: token.id,
    userId: user.id,
    secretHash: hashSessionSecret(token.secret),
    strategy,
    createdAt: now,
    lastSeenAt: now,
    idleExpiresAt: Math.min(now + policy.idleTtlMs, now + policy.absoluteTtlMs),
    absoluteExpiresAt: now + policy.absoluteTtlMs,
    userAgent: context.userAgent?.slice(0, 512) ?? null,
    ip: context.ip,
  };
  const refreshToken = binding && generateRefreshToken(deps.random, binding);
  await deps.store.sessions.create(
    session,
    audit && deps.audit.event({ ...audit, sessionId: session.id }, context),
    refreshToken && hashRefreshToken(refreshToken),
  );
  return { session, sessionToken: token.value, ...(refreshToken ? { refreshToken } : {}) };
}
