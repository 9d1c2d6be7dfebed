import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import { InvalidCredentialsError } from '../errors.ts';
import { admitHashing, hashingKeys } from '../password/hashing-permit.ts';
import { isPasswordWithinBounds } from '../password/password-policy.ts';
import type { UserRecord } from '../store/types.ts';
import { normalizeEmailOrNull } from './normalize-email.ts';

export interface Credentials {
  email: unknown;
  password: unknown;
}

/** Audits a refused login and counts it against the account; then the caller throws. */
async function refuseLogin(
  deps: AuthDeps,
  email: string,
  user: UserRecord | null,
  passwordOk: boolean,
  context: RequestContext,
): Promise<never> {
  await deps.audit.record(
    {
      type: 'login.failure',
      subjectId: user?.id ?? null,
      data: { reason: !user ? 'unknown_user' : !passwordOk ? 'bad_password' : 'suspended' },
    },
    context,
  );
  await deps.guard.loginFailed(email, user, context);
  throw new InvalidCredentialsError(
    !user ? 'unknown user' : !passwordOk ? 'wrong password' : 'account suspended',
  );
}

/**
 * Checks credentials; the same `InvalidCredentialsError` for unknown user, wrong password and
 * suspended account. Throttled first (per address, globally, per account with exponential
 * backoff): a refusal is a `ThrottledError`, alike for known and unknown emails.
 */
export async function verifyCredentials(
  deps: AuthDeps,
  input: Credentials,
  context: RequestContext = emptyContext,
): Promise<UserRecord> {
  const { store, guard } = deps;
  const email = normalizeEmailOrNull(input.email);
  // Shared fairly by address and by account: one source, or one targeted account, cannot hold
  // every place while others ask.
  const permit = await admitHashing(deps.hasher, 'login', hashingKeys(context, email));
  const hasher = permit.hasher;
  try {
    await guard.beforeLogin(email, context);
    if (email === null) throw new InvalidCredentialsError('malformed email');
    // Too long or not a string: refuse before spending a hash on it. Not secret-dependent.
    if (!isPasswordWithinBounds(input.password, deps.passwordPolicy)) {
      await guard.loginFailed(email, null, context);
      throw new InvalidCredentialsError('password out of bounds');
    }
    const user = await store.users.getByEmail(email);
    const ok = await hasher.verify(user?.passwordHash ?? (await deps.dummyHash.get(hasher)), input.password);
    if (!user || !ok || user.status !== 'active') return await refuseLogin(deps, email, user, ok, context);
    await guard.loginSucceeded(email, context);
    if (hasher.needsRehash(user.passwordHash)) {
      await store.users.update(user.id, {
        passwordHash: await hasher.hash(input.password),
        updatedAt: deps.clock.now(),
      });
    }
    return user;
  } finally {
    permit.release();
  }
}
