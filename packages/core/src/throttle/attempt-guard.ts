import type { AuditLog, RequestContext } from '../audit/audit-log.ts';
import { ThrottledError } from '../errors.ts';
import type { UserRecord } from '../store/types.ts';
import type { ThrottleVerdict } from './throttle.ts';
import { accountThrottleKey, ipThrottleKey } from './throttle-keys.ts';
import type { Throttles } from './throttles.ts';

/** The one key of the global failed-login counter. */
const GLOBAL_KEY = 'all';

/** Which limit refused: recorded in `throttle.locked` audit events. */
export type ThrottleScope =
  | 'login_account'
  | 'login_ip'
  | 'login_global'
  | 'register_ip'
  | 'reset_ip'
  | 'reset_account'
  | 'refresh_session';

type Refusal = Extract<ThrottleVerdict, { allowed: false }>;

interface GuardDeps {
  throttles: Throttles;
  audit: AuditLog;
}

/** What a lock is about, besides its scope: an account (by email, its user when known) or a session. */
type Locked = { email: string; user: UserRecord | null } | { session: { id: string; userId: string } };

async function recordLock(
  deps: GuardDeps,
  scope: ThrottleScope,
  refusal: Refusal,
  context: RequestContext,
  locked?: Locked,
): Promise<void> {
  const session = locked && 'session' in locked ? locked.session : undefined;
  const account = locked && 'email' in locked ? locked : undefined;
  await deps.audit.record(
    {
      type: 'throttle.locked',
      subjectId: session?.userId ?? account?.user?.id ?? null,
      ...(session ? { sessionId: session.id } : {}),
      data: {
        scope,
        retryAfterSeconds: Math.ceil(refusal.retryAfterMs / 1000),
        // An unknown account is named by the hash of its email, never the email itself.
        ...(account && !account.user ? { emailHash: accountThrottleKey(account.email) } : {}),
      },
    },
    context,
  );
}

/** Throws ThrottledError for a refusal, auditing the first one of a lock. */
async function enforce(
  deps: GuardDeps,
  verdict: ThrottleVerdict,
  scope: ThrottleScope,
  context: RequestContext,
  locked?: Locked,
): Promise<void> {
  if (verdict.allowed) return;
  if (verdict.firstRefusal) await recordLock(deps, scope, verdict, context, locked);
  throw new ThrottledError(verdict.retryAfterMs / 1000);
}

/**
 * Before a password is even looked at: the caller's address, the global spraying guard, then
 * the account (`email` null for a malformed one: only the address counts).
 */
async function beforeLogin(deps: GuardDeps, email: string | null, context: RequestContext): Promise<void> {
  const { throttles } = deps;
  const ip = ipThrottleKey(context.ip);
  if (ip !== null) await enforce(deps, await throttles.loginIp.consume(ip), 'login_ip', context);
  await enforce(deps, await throttles.loginGlobal.check(GLOBAL_KEY), 'login_global', context);
  if (email !== null)
    await enforce(
      deps,
      await throttles.loginAccount.consume(accountThrottleKey(email)),
      'login_account',
      context,
      { email, user: null },
    );
}

/** After a failed login: counts it globally and audits a lock the failure left on the account. */
async function loginFailed(
  deps: GuardDeps,
  email: string,
  user: UserRecord | null,
  context: RequestContext,
): Promise<void> {
  const global = await deps.throttles.loginGlobal.consume(GLOBAL_KEY);
  if (!global.allowed && global.firstRefusal) await recordLock(deps, 'login_global', global, context);
  const account = await deps.throttles.loginAccount.check(accountThrottleKey(email));
  if (!account.allowed) await recordLock(deps, 'login_account', account, context, { email, user });
}

/**
 * After a successful login: the account's failures are forgotten; the address gets back only
 * this attempt, so an attacker's own good logins do not wash away their failures elsewhere.
 */
async function loginSucceeded(deps: GuardDeps, email: string, context: RequestContext): Promise<void> {
  const ip = ipThrottleKey(context.ip);
  await Promise.all([
    deps.throttles.loginAccount.reset(accountThrottleKey(email)),
    ip === null ? undefined : deps.throttles.loginIp.refund(ip),
  ]);
}

/** Before a reset request: the address, then the account (`email` null for a malformed one). */
async function beforeResetRequest(
  deps: GuardDeps,
  email: string | null,
  context: RequestContext,
): Promise<void> {
  const ip = ipThrottleKey(context.ip);
  if (ip !== null) await enforce(deps, await deps.throttles.resetRequestIp.consume(ip), 'reset_ip', context);
  if (email !== null) {
    const verdict = await deps.throttles.resetRequestAccount.consume(accountThrottleKey(email));
    await enforce(deps, verdict, 'reset_account', context, { email, user: null });
  }
}

/**
 * The throttling policy of the auth flows, over whatever `Throttles` the server configured. Every
 * refusal is a `ThrottledError` (429 + Retry-After) that looks the same for a known and an unknown
 * account: account counters are keyed on the email's hash, never on whether a user exists.
 */
export function createAttemptGuard(throttles: Throttles, audit: AuditLog) {
  const deps: GuardDeps = { throttles, audit };
  return {
    beforeLogin: (email: string | null, context: RequestContext) => beforeLogin(deps, email, context),
    loginFailed: (email: string, user: UserRecord | null, context: RequestContext) =>
      loginFailed(deps, email, user, context),
    loginSucceeded: (email: string, context: RequestContext) => loginSucceeded(deps, email, context),
    /**
     * Before a signed-in caller's current password is checked (password change): the same account
     * counter as login, so a stolen session cannot be used to guess the password without limit.
     */
    async beforeReauthentication(email: string, context: RequestContext): Promise<void> {
      const verdict = await throttles.loginAccount.consume(accountThrottleKey(email));
      await enforce(deps, verdict, 'login_account', context, { email, user: null });
    },
    async beforeRegister(context: RequestContext): Promise<void> {
      const ip = ipThrottleKey(context.ip);
      if (ip !== null) await enforce(deps, await throttles.registerIp.consume(ip), 'register_ip', context);
    },
    beforeResetRequest: (email: string | null, context: RequestContext) =>
      beforeResetRequest(deps, email, context),
    /**
     * Before a refresh token of `session` is spent: one more rotation of that session. The first
     * refusal of a lock is audited, naming the session and its user.
     */
    async beforeRefresh(session: { id: string; userId: string }, context: RequestContext): Promise<void> {
      const verdict = await throttles.refreshSession.consume(session.id);
      await enforce(deps, verdict, 'refresh_session', context, { session });
    },
    /** A completed password reset, or a correct current password, proves the account holder: the login lock goes. */
    async accountRecovered(email: string): Promise<void> {
      await throttles.loginAccount.reset(accountThrottleKey(email));
    },
  };
}

export type AttemptGuard = ReturnType<typeof createAttemptGuard>;
