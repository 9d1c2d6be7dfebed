import { PasswordPolicyError } from '../errors.ts';
import { isCommonPassword } from './common-passwords.ts';

/** Length bounds in Unicode code points; nothing is truncated. */
export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  /** Optional extra check, e.g. a list of common passwords; returns true when the password is refused. */
  isCommon?: (password: string) => boolean;
}

/** 12–128 characters (OWASP ASVS 5), and not on the bundled list of common passwords. */
export const defaultPasswordPolicy: PasswordPolicy = {
  minLength: 12,
  maxLength: 128,
  isCommon: isCommonPassword,
};

/** Counts code points without building an array for huge inputs: stops once past `limit`. */
function codePointLengthUpTo(value: string, limit: number): number {
  let count = 0;
  for (const _ of value) {
    count++;
    if (count > limit) break;
  }
  return count;
}

/**
 * Throws `PasswordPolicyError` unless `password` is acceptable for a new password.
 * Cheap and bounded: a 100 KB input is refused after looking at the first `maxLength + 1` code points.
 */
export function assertPasswordAcceptable(
  password: unknown,
  policy: PasswordPolicy = defaultPasswordPolicy,
): asserts password is string {
  if (typeof password !== 'string') throw new PasswordPolicyError('invalid');
  if (password.length > policy.maxLength * 2) throw new PasswordPolicyError('too_long');
  const length = codePointLengthUpTo(password, policy.maxLength);
  if (length > policy.maxLength) throw new PasswordPolicyError('too_long');
  if (length < policy.minLength) throw new PasswordPolicyError('too_short');
  if (policy.isCommon?.(password)) throw new PasswordPolicyError('common');
}

/** True when a login attempt's password is even worth hashing (same bounds, no common-list check). */
export function isPasswordWithinBounds(
  password: unknown,
  policy: PasswordPolicy = defaultPasswordPolicy,
): password is string {
  if (typeof password !== 'string' || password.length === 0 || password.length > policy.maxLength * 2)
    return false;
  return codePointLengthUpTo(password, policy.maxLength) <= policy.maxLength;
}
