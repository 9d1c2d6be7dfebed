import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import { InvalidInputError, ResetTokenError } from '../errors.ts';
import type { MailMessage } from '../mail/mailer.ts';
import { admitHashing, hashingKeys } from '../password/hashing-permit.ts';
import { assertPasswordAcceptable } from '../password/password-policy.ts';
import { revokeAllSessions } from '../session/revoke-sessions.ts';
import type { UserRecord } from '../store/types.ts';
import { accountThrottleKey } from '../throttle/throttle-keys.ts';
import { normalizeEmailOrNull } from '../user/normalize-email.ts';
import type { PasswordResetSettings } from './reset-options.ts';
import { generateResetToken, hashResetToken, isResetTokenShaped } from './reset-token.ts';

/*
 * Password reset by emailed link (OWASP Forgot Password cheat sheet): a 256-bit single-use token,
 * stored as its SHA-256 only, valid for 15 minutes, replaced by any newer request. The request
 * answers alike for every email; the confirmation ends every session of the account.
 */

export interface ConfirmPasswordResetInput {
  token: unknown;
  newPassword: unknown;
}

function requireSettings(deps: AuthDeps): PasswordResetSettings {
  if (!deps.passwordReset) throw new TypeError('password reset is not configured (createAuth passwordReset)');
  return deps.passwordReset;
}

function resetMessage(user: UserRecord, link: string, ttlMs: number): MailMessage {
  const minutes = Math.round(ttlMs / 60_000);
  return {
    to: user.email,
    subject: 'Reset your password',
    text: [
      `Someone, hopefully you, asked to reset the password of the account ${user.email}.`,
      `Open this link within ${minutes} minutes to choose a new one (it works once):`,
      '',
      link,
      '',
      'If you did not ask for this, ignore this message: your password stays as it is.',
    ].join('\n'),
  };
}

/** Hands the message over without waiting: a slow mail server must not show in the response time. */
function sendInBackground(
  deps: AuthDeps,
  settings: PasswordResetSettings,
  message: MailMessage,
  user: UserRecord,
  context: RequestContext,
): void {
  settings.mailer.send(message).catch(async (error: unknown) => {
    try {
      settings.onMailError?.(error);
      await deps.audit.record({ type: 'password.reset_mail_failed', subjectId: user.id }, context);
    } catch {
      // Nowhere left to report to: the request was answered long ago.
    }
  });
}

/**
 * Sends a reset link if the email belongs to an active account. Resolves the same way, after
 * the same work (a token made and hashed, one user lookup, one token write or lookup, one
 * audit event), whether or not it does. Throws InvalidInputError for a malformed email and
 * ThrottledError past the per-address or per-account limits.
 */
export async function requestPasswordReset(
  deps: AuthDeps,
  input: { email: unknown },
  context: RequestContext = emptyContext,
): Promise<void> {
  const settings = requireSettings(deps);
  const { store } = deps;
  const email = normalizeEmailOrNull(input.email);
  await deps.guard.beforeResetRequest(email, context);
  if (email === null) throw new InvalidInputError('email is not valid', 'email');
  const token = generateResetToken(deps.random);
  const hash = hashResetToken(token);
  const now = deps.clock.now();
  const user = await store.users.getByEmail(email);
  const sent = user?.status === 'active';
  if (sent) {
    await store.resetTokens.create({
      hash,
      userId: user.id,
      createdAt: now,
      expiresAt: now + settings.tokenTtlMs,
    });
    const message = resetMessage(user, `${settings.linkPrefix}${token}`, settings.tokenTtlMs);
    sendInBackground(deps, settings, message, user, context);
  } else {
    // A store round trip like the write above, so timing does not tell; the hash matches nothing.
    await store.resetTokens.consume(hash, now);
  }
  await deps.audit.record(
    {
      type: 'password.reset_requested',
      subjectId: user?.id ?? null,
      data: { sent, ...(user ? {} : { emailHash: accountThrottleKey(email) }) },
    },
    context,
  );
}

/**
 * Sets a new password with a token from `requestPasswordReset`. The policy is checked first, so a
 * weak new password does not spend the token. Then the token is consumed (once), the password
 * replaced, every session revoked and published, the account's login lock cleared. Throws
 * PasswordPolicyError or ResetTokenError (malformed, unknown, used, expired, account gone or
 * suspended).
 */
export async function confirmPasswordReset(
  deps: AuthDeps,
  input: ConfirmPasswordResetInput,
  context: RequestContext = emptyContext,
): Promise<UserRecord> {
  requireSettings(deps);
  const { store } = deps;
  // A place with a bounded hasher first: at capacity, the token is not spent.
  const permit = await admitHashing(deps.hasher, 'password_reset', hashingKeys(context));
  try {
    assertPasswordAcceptable(input.newPassword, deps.passwordPolicy);
    if (!isResetTokenShaped(input.token)) throw new ResetTokenError('malformed reset token');
    const now = deps.clock.now();
    const consumed = await store.resetTokens.consume(hashResetToken(input.token), now);
    if (!consumed) throw new ResetTokenError('unknown, used or expired reset token');
    const user = await store.users.getById(consumed.userId);
    if (user?.status !== 'active') throw new ResetTokenError('account gone or suspended');
    const updated = await store.users.update(user.id, {
      passwordHash: await permit.hasher.hash(input.newPassword),
      passwordChangedAt: now,
      updatedAt: now,
    });
    if (!updated) throw new ResetTokenError('account deleted meanwhile');
    // The one path that publishes and audits every revocation.
    await revokeAllSessions(deps, { userId: user.id, reason: 'password_reset', actorId: user.id, context });
    await deps.guard.accountRecovered(user.email);
    await deps.audit.record(
      { type: 'password.reset_completed', actorId: user.id, subjectId: user.id },
      context,
    );
    return updated;
  } finally {
    permit.release();
  }
}
