import { type AuditLog, createAuditLog, emptyContext, type RequestContext } from './audit/audit-log.ts';
import { type Clock, systemClock } from './clock.ts';
import {
  ForbiddenError,
  InvalidCredentialsError,
  NotFoundError,
  RefreshTokenError,
  UnauthenticatedError,
} from './errors.ts';
import { toBase64Url } from './lib/encoding.ts';
import {
  createPasswordResets,
  type PasswordResetOptions,
  type PasswordResets,
} from './password-reset/password-resets.ts';
import { isCommonPassword, loadCommonPasswords } from './password/common-passwords.ts';
import {
  createArgon2Hasher,
  type HashPermit,
  type HashPurpose,
  type PasswordHasher,
} from './password/password-hasher.ts';
import {
  assertPasswordAcceptable,
  defaultPasswordPolicy,
  isPasswordWithinBounds,
  type PasswordPolicy,
} from './password/password-policy.ts';
import { type RandomSource, systemRandom } from './random.ts';
import { isSessionLive } from './refresh/rotation-rule.ts';
import {
  decryptSuccessor,
  encryptSuccessor,
  generateRefreshToken,
  type RefreshTokenBinding,
  readRefreshTokenBinding,
  hashRefreshToken,
  isRefreshTokenShaped,
} from './refresh/refresh-token.ts';
import {
  noRevocationPublisher,
  type RevocationEvent,
  type RevocationPublisher,
} from './revocation/revocation-event.ts';
import {
  generateSessionToken,
  hashSessionSecret,
  parseSessionToken,
  sessionSecretMatches,
} from './session/session-token.ts';
import type { GatehouseStore, SessionRecord, Strategy, UserRecord } from './store/types.ts';
import { createAttemptGuard } from './throttle/attempt-guard.ts';
import { type Throttles, unlimitedThrottles } from './throttle/throttles.ts';
import { normalizeEmail, normalizeEmailOrNull } from './user/normalize-email.ts';

export interface SessionPolicy {
  /** Session dies after this long without use. Default 30 min. */
  idleTtlMs: number;
  /** Session dies this long after login, used or not. Default 12 h. */
  absoluteTtlMs: number;
  /** Activity is written at most this often per session, to keep reads cheap. Default 60 s. */
  touchIntervalMs: number;
  /** Longest access-token lifetime; bounds how long a revocation event must be remembered. */
  accessTokenTtlMs: number;
  /** A rotated refresh token replayed within this window gets the same successor (tabs racing). 0 disables. */
  refreshGraceMs: number;
}

export const defaultSessionPolicy: SessionPolicy = {
  idleTtlMs: 30 * 60_000,
  absoluteTtlMs: 12 * 60 * 60_000,
  touchIntervalMs: 60_000,
  accessTokenTtlMs: 10 * 60_000,
  refreshGraceMs: 10_000,
};

export interface AuthOptions {
  store: GatehouseStore;
  clock?: Clock;
  random?: RandomSource;
  hasher?: PasswordHasher;
  passwordPolicy?: PasswordPolicy;
  sessionPolicy?: Partial<SessionPolicy>;
  revocations?: RevocationPublisher;
  /** Login backoff and per-address limits. Default: none (tests and tools); the server sets them. */
  throttles?: Throttles;
  /** How reset links are mailed. Without it, the password-reset methods throw TypeError. */
  passwordReset?: PasswordResetOptions;
}

/** What the outside world may see of a user. */
export interface PublicUser {
  id: string;
  email: string;
  roles: string[];
}

export interface Authenticated {
  user: UserRecord;
  session: SessionRecord;
}

export interface LoginResult extends Authenticated {
  /** `id.secret`: goes into the cookie (session strategy) and is never stored. */
  sessionToken: string;
}

export type RevokeReason =
  | 'logout'
  | 'logout_all'
  | 'user_revoked'
  | 'password_changed'
  | 'password_reset'
  | 'admin'
  | 'suspended'
  | 'refresh_reuse'
  | 'token_revoked'
  | 'rotated';

export function toPublicUser(user: UserRecord): PublicUser {
  return { id: user.id, email: user.email, roles: [...user.roles] };
}

/**
 * The core of Gatehouse: accounts, passwords and sessions, with every store and side effect injected.
 *
 * @example
 * const auth = createAuth({ store: createMemoryStore() });
 * await auth.register({ email: 'a@example.com', password: 'a long passphrase' });
 * const { sessionToken } = await auth.login({ email: 'a@example.com', password: 'a long passphrase' });
 * const { user } = await auth.validateSessionToken(sessionToken);
 */
export function createAuth(options: AuthOptions) {
  const store = options.store;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const hasher = options.hasher ?? createArgon2Hasher();
  const passwordPolicy = options.passwordPolicy ?? defaultPasswordPolicy;
  const policy: SessionPolicy = { ...defaultSessionPolicy, ...options.sessionPolicy };
  const revocations = options.revocations ?? noRevocationPublisher;
  const audit: AuditLog = createAuditLog(store.audit, clock, random);
  const guard = createAttemptGuard(options.throttles ?? unlimitedThrottles, audit);
  let dummyHash: Promise<string> | undefined;
  // Read the list now: a missing file stops the start, not the first registration.
  if (passwordPolicy.isCommon === isCommonPassword) loadCommonPasswords();

  if (policy.idleTtlMs <= 0 || policy.absoluteTtlMs < policy.idleTtlMs) {
    throw new TypeError('session lifetimes: need 0 < idleTtlMs <= absoluteTtlMs');
  }
  if (policy.refreshGraceMs < 0 || policy.refreshGraceMs > 60_000) {
    throw new TypeError('refreshGraceMs must be between 0 and 60000');
  }

  /** A hash to verify against when the account does not exist, so timing does not reveal it. */
  function getDummyHash(admitted: PasswordHasher): Promise<string> {
    if (!dummyHash) {
      dummyHash = admitted.hash(toBase64Url(random.bytes(24)));
      // A failed hash is not kept: the next login tries again.
      dummyHash.catch(() => {
        dummyHash = undefined;
      });
    }
    return dummyHash;
  }

  /**
   * Holds a place with a bounded hasher (`limitHasher`) for one operation before it reads or
   * writes anything: at capacity this throws `OverloadedError`, so no throttle counter, session or
   * token changes, alike for every account. An unbounded hasher is used as it is.
   */
  function admitHashing(purpose: HashPurpose): HashPermit {
    return hasher.admit?.(purpose) ?? { hasher, release() {} };
  }

  function newId(): string {
    return toBase64Url(random.bytes(16));
  }

  async function publishSessionRevocations(sessions: SessionRecord[]): Promise<void> {
    if (sessions.length === 0) return;
    const until = clock.now() + policy.accessTokenTtlMs;
    const events: RevocationEvent[] = sessions.map((session) => ({
      type: 'session',
      sid: session.id,
      sub: session.userId,
      until,
    }));
    await revocations.publish(events);
  }

  /**
   * Every session of a user ended (logout-all, password change or reset, suspension, deletion):
   * one `user` event, O(1) on the wire however many sessions there were. Verifiers compare it with
   * the token's `iat`, which is in whole seconds, so `before` is the start of this second: a token
   * issued earlier in this second is not covered by it, and the sessions that may have issued one
   * (seen this second; every issuance touches its session) are named by `session` events as well.
   * A session kept (the new one of a password change) is never named and, issued from this second
   * on, is not covered.
   */
  async function publishUserRevocation(userId: string, sessions: SessionRecord[]): Promise<void> {
    if (sessions.length === 0) return;
    const now = clock.now();
    const before = Math.floor(now / 1000) * 1000;
    const until = now + policy.accessTokenTtlMs;
    const events: RevocationEvent[] = [{ type: 'user', sub: userId, before, until }];
    for (const session of sessions) {
      if (Math.max(session.lastSeenAt, session.createdAt) >= before)
        events.push({ type: 'session', sid: session.id, sub: session.userId, until });
    }
    await revocations.publish(events);
  }

  async function recordRevocations(
    sessions: SessionRecord[],
    reason: RevokeReason,
    actorId: string | null,
    context: RequestContext,
    allOfUser?: string,
  ) {
    if (allOfUser === undefined) await publishSessionRevocations(sessions);
    else await publishUserRevocation(allOfUser, sessions);
    for (const session of sessions) {
      await audit.record(
        {
          type: 'session.revoked',
          actorId,
          subjectId: session.userId,
          sessionId: session.id,
          data: { reason },
        },
        context,
      );
    }
  }

  async function createSessionFor(
    user: UserRecord,
    strategy: Strategy,
    context: RequestContext,
  ): Promise<{ session: SessionRecord; sessionToken: string }> {
    const now = clock.now();
    const token = generateSessionToken(random);
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
    await store.sessions.create(session);
    return { session, sessionToken: token.value };
  }

  /**
   * The rest of validation for a session already read from the store: liveness (an expired one is
   * deleted), its user (one read; must be active), and the sliding idle deadline (touched at most
   * once per touch interval). Null when the session is dead or its user inactive.
   */
  async function liveWith(session: SessionRecord): Promise<Authenticated | null> {
    const now = clock.now();
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

  const auth = {
    clock,
    random,
    store,
    audit,
    policy,
    passwordPolicy,
    hasher,

    /**
     * Creates an account. Resolves the same way whether or not the email is taken, and costs one
     * hash either way, so neither the answer nor its timing reveals existing accounts.
     */
    async register(
      input: { email: unknown; password: unknown; roles?: string[] },
      context: RequestContext = emptyContext,
    ) {
      const permit = admitHashing('register');
      const hasher = permit.hasher;
      try {
        await guard.beforeRegister(context);
        const email = normalizeEmail(input.email);
        assertPasswordAcceptable(input.password, passwordPolicy);
        const passwordHash = await hasher.hash(input.password);
        const now = clock.now();
        const user: UserRecord = {
          id: newId(),
          email,
          passwordHash,
          roles: input.roles ?? [],
          status: 'active',
          createdAt: now,
          updatedAt: now,
          passwordChangedAt: now,
        };
        const created = await store.users.create(user);
        if (created)
          await audit.record({ type: 'user.registered', actorId: user.id, subjectId: user.id }, context);
        return { created, user: created ? user : null };
      } finally {
        permit.release();
      }
    },

    /**
     * Checks credentials; the same `InvalidCredentialsError` for unknown user, wrong password and
     * suspended account. Throttled first (per address, globally, per account with exponential
     * backoff): a refusal is a `ThrottledError`, alike for known and unknown emails.
     */
    async verifyCredentials(
      input: { email: unknown; password: unknown },
      context: RequestContext = emptyContext,
    ): Promise<UserRecord> {
      const permit = admitHashing('login');
      const hasher = permit.hasher;
      try {
        const email = normalizeEmailOrNull(input.email);
        await guard.beforeLogin(email, context);
        if (email === null) throw new InvalidCredentialsError('malformed email');
        // Too long or not a string: refuse before spending a hash on it. Not secret-dependent.
        if (!isPasswordWithinBounds(input.password, passwordPolicy)) {
          await guard.loginFailed(email, null, context);
          throw new InvalidCredentialsError('password out of bounds');
        }
        const user = await store.users.getByEmail(email);
        const ok = await hasher.verify(user?.passwordHash ?? (await getDummyHash(hasher)), input.password);
        if (!user || !ok || user.status !== 'active') {
          await audit.record(
            {
              type: 'login.failure',
              subjectId: user?.id ?? null,
              data: { reason: !user ? 'unknown_user' : !ok ? 'bad_password' : 'suspended' },
            },
            context,
          );
          await guard.loginFailed(email, user, context);
          throw new InvalidCredentialsError(
            !user ? 'unknown user' : !ok ? 'wrong password' : 'account suspended',
          );
        }
        await guard.loginSucceeded(email, context);
        if (hasher.needsRehash(user.passwordHash)) {
          await store.users.update(user.id, {
            passwordHash: await hasher.hash(input.password),
            updatedAt: clock.now(),
          });
        }
        return user;
      } finally {
        permit.release();
      }
    },

    /** Verifies credentials and starts a new session (always a fresh id: a presented one is never adopted). */
    async login(
      input: { email: unknown; password: unknown; strategy?: Strategy },
      context: RequestContext = emptyContext,
    ): Promise<LoginResult> {
      const user = await this.verifyCredentials(input, context);
      const strategy = input.strategy ?? 'session';
      const { session, sessionToken } = await createSessionFor(user, strategy, context);
      await audit.record(
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
    },

    /** Starts a session for an already-authenticated user (used when rotating a session). */
    createSession: createSessionFor,

    /** Loads a live session with its active user; null when either is gone, expired or suspended. */
    async getLiveSession(sessionId: string): Promise<Authenticated | null> {
      const session = await store.sessions.get(sessionId);
      return session ? liveWith(session) : null;
    },

    /**
     * Validates a session cookie value: one session read and one user read (plus, at most once per
     * touch interval, the touch). Throws `UnauthenticatedError` for anything but a live session.
     */
    async validateSessionToken(value: unknown): Promise<Authenticated> {
      const token = parseSessionToken(value);
      if (!token) throw new UnauthenticatedError('ERR_SESSION_INVALID', 'malformed session token');
      const session = await store.sessions.get(token.id);
      if (!session || !sessionSecretMatches(token.secret, session.secretHash)) {
        throw new UnauthenticatedError('ERR_SESSION_INVALID', 'unknown session');
      }
      // Only cookie sessions authenticate with their secret; token strategies use access tokens.
      if (session.strategy !== 'session')
        throw new UnauthenticatedError('ERR_SESSION_INVALID', 'not a cookie session');
      const live = await liveWith(session);
      if (!live) throw new UnauthenticatedError('ERR_SESSION_EXPIRED', 'session expired or user inactive');
      return live;
    },

    /** Ends one session (logout). Idempotent. */
    async revokeSession(
      sessionId: string,
      reason: RevokeReason,
      actorId: string | null,
      context: RequestContext = emptyContext,
    ) {
      const revoked = await store.sessions.revoke(sessionId);
      if (revoked) await recordRevocations([revoked], reason, actorId, context);
      return revoked;
    },

    /** Ends every session of a user, optionally but one. */
    async revokeAllSessions(
      userId: string,
      reason: RevokeReason,
      actorId: string | null,
      context: RequestContext = emptyContext,
      exceptSessionId?: string,
    ) {
      const revoked = await store.sessions.revokeAllForUser(userId, exceptSessionId);
      await recordRevocations(revoked, reason, actorId, context, userId);
      return revoked;
    },

    /** Revokes one of the caller's own sessions; someone else's session id answers NotFound, not Forbidden. */
    async revokeOwnSession(userId: string, sessionId: string, context: RequestContext = emptyContext) {
      const session = await store.sessions.get(sessionId);
      if (!session || session.userId !== userId) throw new NotFoundError('no such session');
      await this.revokeSession(sessionId, 'user_revoked', userId, context);
    },

    async listSessions(userId: string) {
      return store.sessions.listForUser(userId, clock.now());
    },

    /** Starts the refresh family of a (hybrid or token) session; returns the token to hand out once. */
    async issueRefreshToken(session: SessionRecord, binding: RefreshTokenBinding = {}): Promise<string> {
      const token = generateRefreshToken(random, binding);
      await store.refreshTokens.issue({
        hash: hashRefreshToken(token),
        sessionId: session.id,
        createdAt: clock.now(),
      });
      return token;
    },

    /**
     * Consumes a refresh token and returns its successor, atomically in the store. A replay inside
     * the grace window returns the same successor; outside it, the replay is treated as theft: the
     * session and its whole family die, a revocation is published and audited.
     */
    async rotateRefreshToken(
      presented: unknown,
      context: RequestContext = emptyContext,
    ): Promise<Authenticated & { refreshToken: string }> {
      if (!isRefreshTokenShaped(presented))
        throw new RefreshTokenError('ERR_REFRESH_INVALID', 'malformed refresh token');
      const now = clock.now();
      // The successor keeps the client and DPoP key of the token it replaces.
      const successor = generateRefreshToken(random, readRefreshTokenBinding(presented));
      const result = await store.refreshTokens.rotate({
        presentedHash: hashRefreshToken(presented),
        successor: { hash: hashRefreshToken(successor), createdAt: now },
        successorCipher: encryptSuccessor(presented, successor, random),
        now,
        graceMs: policy.refreshGraceMs,
        idleTtlMs: policy.idleTtlMs,
      });
      if (result.outcome === 'invalid')
        throw new RefreshTokenError('ERR_REFRESH_INVALID', 'unknown or expired refresh token');
      if (result.outcome === 'reused') {
        await publishSessionRevocations([result.session]);
        await audit.record(
          { type: 'refresh.reuse_detected', subjectId: result.session.userId, sessionId: result.session.id },
          context,
        );
        throw new RefreshTokenError('ERR_REFRESH_REUSED', 'refresh token reused: family revoked');
      }
      const user = await store.users.getById(result.session.userId);
      if (user?.status !== 'active') throw new RefreshTokenError('ERR_REFRESH_INVALID', 'user inactive');
      if (result.outcome === 'replayed') {
        const same = decryptSuccessor(presented, result.successorCipher);
        if (!same) throw new RefreshTokenError('ERR_REFRESH_INVALID', 'successor unavailable');
        // An access token is issued now: the session must say so (see publishUserRevocation).
        await store.sessions.touch(
          result.session.id,
          now,
          Math.min(now + policy.idleTtlMs, result.session.absoluteExpiresAt),
        );
        return { user, session: result.session, refreshToken: same };
      }
      await audit.record(
        { type: 'refresh.rotated', actorId: user.id, subjectId: user.id, sessionId: result.session.id },
        context,
      );
      return { user, session: result.session, refreshToken: successor };
    },

    /**
     * The session a refresh token (live or already rotated) belongs to, read without consuming the
     * token; null for a malformed or unknown token. Callers check the session (strategy, CSRF
     * binding) with it before `rotateRefreshToken` spends the token.
     */
    async getRefreshTokenSession(presented: unknown): Promise<SessionRecord | null> {
      if (!isRefreshTokenShaped(presented)) return null;
      const sessionId = await store.refreshTokens.sessionIdFor(hashRefreshToken(presented));
      return sessionId ? store.sessions.get(sessionId) : null;
    },

    /**
     * RFC 7009 for refresh tokens: ends the session a token belongs to, and with it the whole
     * family. Any token of the family will do, even one already rotated: whoever holds it may end
     * the login it came from. Resolves false for an unknown token (the caller answers 200 anyway).
     */
    async revokeByRefreshToken(presented: unknown, context: RequestContext = emptyContext): Promise<boolean> {
      const session = await this.getRefreshTokenSession(presented);
      if (!session) return false;
      return (await this.revokeSession(session.id, 'token_revoked', session.userId, context)) !== null;
    },

    /**
     * Changes the password of a signed-in user. The current password must be right (the same
     * `InvalidCredentialsError` as a failed login); then the new hash is stored, the caller's
     * session is replaced by a new one of the same strategy (a new id: the old credential dies),
     * and every other session of the user ends. Returns the new session like `login` does; for
     * hybrid and token sessions the caller issues the new refresh token.
     */
    async changePassword(
      input: { user: UserRecord; session: SessionRecord; currentPassword: unknown; newPassword: unknown },
      context: RequestContext = emptyContext,
    ): Promise<LoginResult> {
      const permit = admitHashing('password_change');
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
        const now = clock.now();
        const updated = await store.users.update(user.id, {
          passwordHash: await hasher.hash(input.newPassword),
          passwordChangedAt: now,
          updatedAt: now,
        });
        if (!updated) throw new UnauthenticatedError('ERR_SESSION_INVALID', 'user deleted meanwhile');
        // A reset link asked for before the change must not undo it.
        await store.resetTokens.deleteForUser(user.id);
        // The new session exists before the old ones go, so the user is never left signed out.
        const next = await createSessionFor(updated, session.strategy, context);
        await this.revokeAllSessions(user.id, 'password_changed', user.id, context, next.session.id);
        await audit.record(
          { type: 'password.changed', actorId: user.id, subjectId: user.id, sessionId: next.session.id },
          context,
        );
        return { user: updated, session: next.session, sessionToken: next.sessionToken };
      } finally {
        permit.release();
      }
    },

    /** Requires a role; throws ForbiddenError otherwise. */
    requireRole(user: UserRecord, role: string): void {
      if (!user.roles.includes(role)) throw new ForbiddenError(`role ${role} required`);
    },

    publishRevocations: (events: RevocationEvent[]) => revocations.publish(events),

    /**
     * Mails a reset link when `email` belongs to an active account, and answers alike (after the
     * same work) when it does not. Throttled per address and per account.
     */
    async requestPasswordReset(
      input: { email: unknown },
      context: RequestContext = emptyContext,
    ): Promise<void> {
      await requirePasswordResets().request(input, context);
    },

    /**
     * Sets a new password with a reset token: single use; every session of the account is revoked
     * (and published) and its login lock cleared. Not blocked by that lock: resetting is how a
     * locked-out owner gets back in.
     */
    async confirmPasswordReset(
      input: { token: unknown; newPassword: unknown },
      context: RequestContext = emptyContext,
    ): Promise<UserRecord> {
      return requirePasswordResets().confirm(input, context);
    },
  };

  // Built after `auth`: a completed reset revokes through auth.revokeAllSessions, the one path that
  // publishes and audits every revocation.
  const passwordResets = options.passwordReset
    ? createPasswordResets(
        {
          store,
          clock,
          random,
          hasher,
          passwordPolicy,
          audit,
          guard,
          revokeAllSessions: (userId, context) =>
            auth.revokeAllSessions(userId, 'password_reset', userId, context),
        },
        options.passwordReset,
      )
    : null;

  function requirePasswordResets(): PasswordResets {
    if (!passwordResets) throw new TypeError('password reset is not configured (createAuth passwordReset)');
    return passwordResets;
  }

  return auth;
}

export type Auth = ReturnType<typeof createAuth>;
