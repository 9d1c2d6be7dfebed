import { InvalidEmailError, InvalidInputError } from '../errors.ts';

/** Unicode category Cf: zero-width, joiners, bidi overrides and isolates, BOM, soft hyphen, tags. */
const FORMAT_CHARACTER = /\p{Cf}/u;

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}\.[^\s@.]{2,63}$/u;

/**
 * Canonical form of an email address: trimmed, NFC-normalised, lower-cased.
 * Lower-casing the local part is what users expect (Alice@ and alice@ are one account).
 */
export function normalizeEmail(input: unknown): string {
  if (typeof input !== 'string') throw new InvalidInputError('email must be a string', 'email');
  if (input.length > 320) throw new InvalidInputError('email too long', 'email');
  const email = input.trim().normalize('NFC').toLowerCase();
  if (FORMAT_CHARACTER.test(email)) throw new InvalidEmailError();
  if (email.length > 254 || !EMAIL.test(email) || hasControlCharacter(email)) {
    throw new InvalidInputError('email is not valid', 'email');
  }
  return email;
}

function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** `normalizeEmail`, or null for anything it refuses (throttling still has to see the attempt). */
export function normalizeEmailOrNull(input: unknown): string | null {
  try {
    return normalizeEmail(input);
  } catch {
    return null;
  }
}
