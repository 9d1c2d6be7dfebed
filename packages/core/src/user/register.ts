import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { AuthDeps } from '../auth-deps.ts';
import { toBase64Url } from '../lib/encoding.ts';
import { admitHashing, hashingKeys } from '../password/hashing-permit.ts';
import { assertPasswordAcceptable } from '../password/password-policy.ts';
import type { RandomSource } from '../random.ts';
import type { UserRecord } from '../store/types.ts';
import { normalizeEmail } from './normalize-email.ts';

export interface RegisterInput {
  email: unknown;
  password: unknown;
  roles?: string[];
}

export interface RegisterResult {
  created: boolean;
  /** The new user; null when the email was taken. */
  user: UserRecord | null;
}

/** A new account's id: 128 random bits, base64url (an imported account may keep its old one). */
export function newUserId(random: RandomSource): string {
  return toBase64Url(random.bytes(16));
}

/**
 * Creates an account. Resolves the same way whether or not the email is taken, and costs one
 * hash either way, so neither the answer nor its timing reveals existing accounts.
 */
export async function register(
  deps: AuthDeps,
  input: RegisterInput,
  context: RequestContext = emptyContext,
): Promise<RegisterResult> {
  const permit = await admitHashing(deps.hasher, 'register', hashingKeys(context));
  try {
    await deps.guard.beforeRegister(context);
    const email = normalizeEmail(input.email);
    assertPasswordAcceptable(input.password, deps.passwordPolicy);
    const passwordHash = await permit.hasher.hash(input.password);
    const now = deps.clock.now();
    const user: UserRecord = {
      id: newUserId(deps.random),
      email,
      passwordHash,
      roles: input.roles ?? [],
      status: 'active',
      createdAt: now,
      updatedAt: now,
      passwordChangedAt: now,
    };
    // The user and its audit event commit together; neither is written when the email is taken.
    const created = await deps.store.users.create(
      user,
      deps.audit.event({ type: 'user.registered', actorId: user.id, subjectId: user.id }, context),
    );
    return { created, user: created ? user : null };
  } finally {
    permit.release();
  }
}
