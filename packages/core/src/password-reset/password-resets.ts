import type { AuditLog, RequestContext } from '../audit/audit-log.ts';
import type { Clock } from '../clock.ts';
import { InvalidInputError, ResetTokenError } from '../errors.ts';
import type { Mailer, MailMessage } from '../mail/mailer.ts';
import type { PasswordHasher } from '../password/password-hasher.ts';
import { assertPasswordAcceptable, type PasswordPolicy } from '../password/password-policy.ts';
import type { RandomSource } from '../random.ts';
import type { GatehouseStore, UserRecord } from '../store/types.ts';
import type { AttemptGuard } from '../throttle/attempt-guard.ts';
import { accountThrottleKey } from '../throttle/throttle-keys.ts';
import { normalizeEmailOrNull } from '../user/normalize-email.ts';
import { generateResetToken, hashResetToken, isResetTokenShaped } from './reset-token.ts';

export interface PasswordResetOptions {
  mailer: Mailer;
  /**
   * The link in the message is this followed by the token. It must put the token in the URL
   * fragment (`https://id.example.com/reset#token=`): a fragment is never sent to a server, so the
   * token stays out of access logs and Referer headers.
   */
  linkPrefix: string;
  /** How long a token works. Default 15 minutes; between 1 minute and 24 hours. */
  tokenTtlMs?: number;
  /** Told when a message could not be handed to the mailer (it is also audited). */
  onMailError?: (error: unknown) => void;
}

export const DEFAULT_RESET_TOKEN_TTL_MS = 15 * 60_000;

interface PasswordResetDeps {
  store: GatehouseStore;
  clock: Clock;
  random: RandomSource;
  hasher: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  audit: AuditLog;
  guard: AttemptGuard;
  /** Ends every session of the user and publishes the revocations (auth.revokeAllSessions). */
  revokeAllSessions: (userId: string, context: RequestContext) => Promise<unknown>;
}

/** Validates the options eagerly: a bad link prefix stops the start, not the first reset. */
function resolveOptions(options: PasswordResetOptions): Required<Omit<PasswordResetOptions, 'onMailError'>> {
  const { mailer, linkPrefix, tokenTtlMs = DEFAULT_RESET_TOKEN_TTL_MS } = options;
  if (typeof mailer?.send !== 'function') throw new TypeError('password reset: mailer.send is required');
  let url: URL;
  try {
    url = new URL(linkPrefix);
  } catch {
    throw new TypeError('password reset: linkPrefix must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new TypeError('password reset: linkPrefix must be an http(s) URL');
  if (!linkPrefix.includes('#'))
    throw new TypeError(
      'password reset: linkPrefix must end in a fragment (…#token=) so the token never reaches a server',
    );
  if (!Number.isSafeInteger(tokenTtlMs) || tokenTtlMs < 60_000 || tokenTtlMs > 24 * 60 * 60_000)
    throw new TypeError('password reset: tokenTtlMs must be between 1 minute and 24 hours');
  return { mailer, linkPrefix, tokenTtlMs };
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

/**
 * Password reset by emailed link (OWASP Forgot Password cheat sheet): a 256-bit single-use token,
 * stored as its SHA-256 only, valid for 15 minutes, replaced by any newer request. The request
 * answers alike for every email; the confirmation ends every session of the account.
 */
export function createPasswordResets(deps: PasswordResetDeps, options: PasswordResetOptions) {
  const { store, clock, random, hasher, passwordPolicy, audit, guard } = deps;
  const { mailer, linkPrefix, tokenTtlMs } = resolveOptions(options);

  /** Hands the message over without waiting: a slow mail server must not show in the response time. */
  function sendInBackground(message: MailMessage, user: UserRecord, context: RequestContext): void {
    mailer.send(message).catch(async (error: unknown) => {
      try {
        options.onMailError?.(error);
        await audit.record({ type: 'password.reset_mail_failed', subjectId: user.id }, context);
      } catch {
        // Nowhere left to report to: the request was answered long ago.
      }
    });
  }

  return {
    /**
     * Sends a reset link if the email belongs to an active account. Resolves the same way, after
     * the same work (a token made and hashed, one user lookup, one token write or lookup, one
     * audit event), whether or not it does. Throws InvalidInputError for a malformed email and
     * ThrottledError past the per-address or per-account limits.
     */
    async request(input: { email: unknown }, context: RequestContext): Promise<void> {
      const email = normalizeEmailOrNull(input.email);
      await guard.beforeResetRequest(email, context);
      if (email === null) throw new InvalidInputError('email is not valid', 'email');
      const token = generateResetToken(random);
      const hash = hashResetToken(token);
      const now = clock.now();
      const user = await store.users.getByEmail(email);
      const sent = user?.status === 'active';
      if (sent) {
        await store.resetTokens.create({
          hash,
          userId: user.id,
          createdAt: now,
          expiresAt: now + tokenTtlMs,
        });
        sendInBackground(resetMessage(user, `${linkPrefix}${token}`, tokenTtlMs), user, context);
      } else {
        // A store round trip like the write above, so timing does not tell; the hash matches nothing.
        await store.resetTokens.consume(hash, now);
      }
      await audit.record(
        {
          type: 'password.reset_requested',
          subjectId: user?.id ?? null,
          data: { sent, ...(user ? {} : { emailHash: accountThrottleKey(email) }) },
        },
        context,
      );
    },

    /**
     * Sets a new password with a token from `request`. The policy is checked first, so a weak new
     * password does not spend the token. Then the token is consumed (once), the password replaced,
     * every session revoked and published, the account's login lock cleared. Throws
     * PasswordPolicyError or ResetTokenError (malformed, unknown, used, expired, account gone or
     * suspended).
     */
    async confirm(
      input: { token: unknown; newPassword: unknown },
      context: RequestContext,
    ): Promise<UserRecord> {
      // A place with a bounded hasher first: at capacity, the token is not spent.
      const permit = hasher.admit?.('password_reset') ?? { hasher, release() {} };
      try {
        assertPasswordAcceptable(input.newPassword, passwordPolicy);
        if (!isResetTokenShaped(input.token)) throw new ResetTokenError('malformed reset token');
        const now = clock.now();
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
        await deps.revokeAllSessions(user.id, context);
        await guard.accountRecovered(user.email);
        await audit.record(
          { type: 'password.reset_completed', actorId: user.id, subjectId: user.id },
          context,
        );
        return updated;
      } finally {
        permit.release();
      }
    },
  };
}

export type PasswordResets = ReturnType<typeof createPasswordResets>;
