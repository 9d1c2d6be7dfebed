import type { RequestContext } from './audit/audit-log.ts';
import { type AuthDeps, type AuthOptions, createAuthDeps } from './auth-deps.ts';
import type { Authenticated, LoginResult } from './auth-types.ts';
import { ForbiddenError } from './errors.ts';
import { type ChangePasswordInput, changePassword } from './password/change-password.ts';
import {
  type ConfirmPasswordResetInput,
  confirmPasswordReset,
  requestPasswordReset,
} from './password-reset/password-resets.ts';
import {
  getRefreshTokenSession,
  issueRefreshToken,
  revokeByRefreshToken,
  type Rotated,
  type RotateRefreshOptions,
  rotateRefreshToken,
} from './refresh/refresh-operations.ts';
import type { RefreshTokenBinding } from './refresh/refresh-token.ts';
import type { RevocationEvent } from './revocation/revocation-event.ts';
import type { CreatedSession, CreateSessionOptions } from './session/create-session.ts';
import { type LoginInput, login, startSession } from './session/login.ts';
import {
  listSessions,
  type RevokeAllSessionsOptions,
  type RevokeOwnSessionOptions,
  type RevokeSessionOptions,
  revokeAllSessions,
  revokeOwnSession,
  revokeSession,
} from './session/revoke-sessions.ts';
import { getLiveSession, validateSessionToken } from './session/validate-session.ts';
import type { SessionRecord, UserRecord } from './store/types.ts';
import { type RegisterInput, type RegisterResult, register } from './user/register.ts';
import { type Credentials, verifyCredentials } from './user/verify-credentials.ts';

/**
 * The auth operations: accounts, passwords, sessions and refresh tokens. Operations only: the
 * store, clock and audit log they work with stay with whoever built them (`createAuthDeps`).
 * Each method is documented where it is implemented (session/, refresh/, user/, password/,
 * password-reset/).
 */
export interface Auth {
  /** Creates an account; alike (answer and timing) whether or not the email is taken. */
  register(input: RegisterInput, context?: RequestContext): Promise<RegisterResult>;
  /** Checks credentials, throttled first; one `InvalidCredentialsError` for every refusal. */
  verifyCredentials(input: Credentials, context?: RequestContext): Promise<UserRecord>;
  /** Verifies credentials and starts a new session (always a fresh id). */
  login(input: LoginInput, context?: RequestContext): Promise<LoginResult>;
  /**
   * Starts a session for a user authenticated some other way (an embedder's own sign-in), held to
   * `sessionPolicy.maxSessionsPerUser` as a login is.
   */
  createSession(options: CreateSessionOptions): Promise<CreatedSession>;
  /** A live session with its active user; null when either is gone, expired or suspended. */
  getLiveSession(sessionId: string): Promise<Authenticated | null>;
  /** Validates a session cookie value; `UnauthenticatedError` for anything but a live session. */
  validateSessionToken(value: unknown): Promise<Authenticated>;
  /** Ends one session (logout), published and audited. Idempotent: null when already gone. */
  revokeSession(options: RevokeSessionOptions): Promise<SessionRecord | null>;
  /** Ends every session of a user, optionally but one, published and audited. */
  revokeAllSessions(options: RevokeAllSessionsOptions): Promise<SessionRecord[]>;
  /** Ends one of the caller's own sessions; NotFound for anyone else's. */
  revokeOwnSession(options: RevokeOwnSessionOptions): Promise<void>;
  /** The user's live sessions, newest first. */
  listSessions(userId: string): Promise<SessionRecord[]>;
  /** Starts the refresh family of a (hybrid or token) session; returns the token to hand out once. */
  issueRefreshToken(session: SessionRecord, binding?: RefreshTokenBinding): Promise<string>;
  /**
   * Consumes a refresh token for its successor; a replay outside the grace window kills the family.
   * `session`: what `getRefreshTokenSession` just returned for this token, if the caller asked it
   * (the store may then skip its own lookup of the token's owner; the outcome is the same).
   */
  rotateRefreshToken(
    presented: unknown,
    context?: RequestContext,
    options?: RotateRefreshOptions,
  ): Promise<Rotated>;
  /** The session a refresh token belongs to, without consuming it; null when malformed or unknown. */
  getRefreshTokenSession(presented: unknown): Promise<SessionRecord | null>;
  /** RFC 7009: ends the session (and family) of any of its refresh tokens; false when unknown. */
  revokeByRefreshToken(presented: unknown, context?: RequestContext): Promise<boolean>;
  /** Replaces the password and the caller's session; every other session of the user ends. */
  changePassword(input: ChangePasswordInput, context?: RequestContext): Promise<LoginResult>;
  /** Requires a role; throws ForbiddenError otherwise. */
  requireRole(user: UserRecord, role: string): void;
  /** Hands events to the revocation publisher (key events, say). */
  publishRevocations(events: RevocationEvent[]): Promise<void>;
  /** Mails a reset link to an active account; answers alike (after the same work) otherwise. */
  requestPasswordReset(input: { email: unknown }, context?: RequestContext): Promise<void>;
  /** Sets a new password with a single-use reset token; every session of the account ends. */
  confirmPasswordReset(input: ConfirmPasswordResetInput, context?: RequestContext): Promise<UserRecord>;
}

/** The operations over dependencies the caller resolved (and keeps) with `createAuthDeps`. */
export function createAuthFromDeps(deps: AuthDeps): Auth {
  return {
    register: (input, context) => register(deps, input, context),
    verifyCredentials: (input, context) => verifyCredentials(deps, input, context),
    login: (input, context) => login(deps, input, context),
    createSession: (options) => startSession(deps, options),
    getLiveSession: (sessionId) => getLiveSession(deps, sessionId),
    validateSessionToken: (value) => validateSessionToken(deps, value),
    revokeSession: (options) => revokeSession(deps, options),
    revokeAllSessions: (options) => revokeAllSessions(deps, options),
    revokeOwnSession: (options) => revokeOwnSession(deps, options),
    listSessions: (userId) => listSessions(deps, userId),
    issueRefreshToken: (session, binding) => issueRefreshToken(deps, session, binding),
    rotateRefreshToken: (presented, context, options) =>
      rotateRefreshToken(deps, presented, context, options),
    getRefreshTokenSession: (presented) => getRefreshTokenSession(deps, presented),
    revokeByRefreshToken: (presented, context) => revokeByRefreshToken(deps, presented, context),
    changePassword: (input, context) => changePassword(deps, input, context),
    requireRole(user, role) {
      if (!user.roles.includes(role)) throw new ForbiddenError(`role ${role} required`);
    },
    publishRevocations: (events) => deps.revocations.publish(events),
    requestPasswordReset: (input, context) => requestPasswordReset(deps, input, context),
    confirmPasswordReset: (input, context) => confirmPasswordReset(deps, input, context),
  };
}

/**
 * The core of Gatehouse: accounts, passwords and sessions, with every store and side effect injected.
 * A caller that also needs the store, clock or audit log builds them with `createAuthDeps` and
 * calls `createAuthFromDeps`.
 *
 * @example
 * const auth = createAuth({ store: createMemoryStore() });
 * await auth.register({ email: 'a@example.com', password: 'a long passphrase' });
 * const { sessionToken } = await auth.login({ email: 'a@example.com', password: 'a long passphrase' });
 * const { user } = await auth.validateSessionToken(sessionToken);
 */
export function createAuth(options: AuthOptions): Auth {
  return createAuthFromDeps(createAuthDeps(options));
}
