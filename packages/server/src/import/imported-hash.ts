import { pbkdf2, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { PasswordHasher } from '@gatehouse/core';
import { verify as verifyBcrypt } from '@node-rs/bcrypt';

/**
 * The password hashes of other systems that a server verifies, so that their accounts can be
 * imported (`gatehouse users import`) and keep their passwords: each is replaced by an Argon2id
 * hash at the account's first sign-in (`withImportedHashes`). Stored as the system wrote it,
 * except Keycloak's, which `keycloakCredentialHash` turns into the PBKDF2 form below.
 *
 * | scheme | stored form | written by |
 * | --- | --- | --- |
 * | `bcrypt` | `$2a$`, `$2b$` or `$2y$` + cost + 53 characters | Ory Kratos, SuperTokens, Devise, Laravel, Spring Security, most Node apps |
 * | `pbkdf2` | `$pbkdf2-sha256$<iterations>$<salt>$<hash>` (also `-sha512`, `-sha1`; passlib's adapted base64) | passlib; Keycloak's credentials, converted |
 * | `django-pbkdf2` | `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>` (also `pbkdf2_sha1`) | Django |
 * | `better-auth-scrypt` | `<salt: 32 hex>:<key: 128 hex>` | better-auth (scrypt N=16384, r=16, p=1) |
 *
 * Each is bounded where a stored value could make one sign-in expensive: bcrypt cost ≤ 14, PBKDF2
 * iterations ≤ 2,000,000 and a hash of ≤ 128 bytes. A value past a bound is not recognised (the
 * import refuses it; a sign-in against it fails without hashing).
 */
export type ImportedScheme = 'bcrypt' | 'pbkdf2' | 'django-pbkdf2' | 'better-auth-scrypt';

export interface ImportedHash {
  scheme: ImportedScheme;
  /** Whether `password` is the one this hash was made from; off the event loop (libuv's pool). */
  verify(password: string): Promise<boolean>;
}

export const MAX_BCRYPT_COST = 14;
export const MAX_PBKDF2_ITERATIONS = 2_000_000;
const MAX_HASH_BYTES = 128;

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify<string, string, number, ScryptOptions, Buffer>(scrypt);

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const PASSLIB_PBKDF2 =
  /^\$pbkdf2(?:-(sha256|sha512))?\$(\d{1,7})\$([./A-Za-z0-9]{2,171})\$([./A-Za-z0-9]{16,171})$/;
const DJANGO_PBKDF2 =
  /^pbkdf2_(sha256|sha1)\$(\d{1,7})\$([\x21-\x23\x25-\x7e]{1,128})\$([A-Za-z0-9+/]{16,171}={0,2})$/;
const BETTER_AUTH_SCRYPT = /^([0-9a-f]{32}):([0-9a-f]{128})$/;

/** better-auth's scrypt cost: 32 MiB a hash (128 · N · r), allowed twice that as better-auth does. */
const BETTER_AUTH_SCRYPT_COST = { N: 16384, r: 16, p: 1, maxmem: 2 * 128 * 16384 * 16 };

/** The scheme and check of an imported hash; null for anything else (Argon2id included). */
export function parseImportedHash(encoded: string): ImportedHash | null {
  const bcrypt = BCRYPT.exec(encoded);
  if (bcrypt) {
    const cost = Number(bcrypt[1]);
    if (cost < 4 || cost > MAX_BCRYPT_COST) return null;
    // bcrypt reads at most 72 bytes of the password, as the system that made the hash did.
    return { scheme: 'bcrypt', verify: (password) => verifyBcrypt(password, encoded) };
  }
  const passlib = PASSLIB_PBKDF2.exec(encoded);
  if (passlib) {
    // passlib's "adapted base64": `.` for `+`, no padding.
    const fromAb64 = (text: string) => Buffer.from(text.replaceAll('.', '+'), 'base64');
    return pbkdf2Hash(
      'pbkdf2',
      passlib[1] ?? 'sha1',
      passlib[2]!,
      fromAb64(passlib[3]!),
      fromAb64(passlib[4]!),
    );
  }
  const django = DJANGO_PBKDF2.exec(encoded);
  if (django) {
    // Django uses the salt's text as it is (ASCII, no `$`), the hash in standard base64.
    const salt = Buffer.from(django[3]!, 'utf8');
    return pbkdf2Hash('django-pbkdf2', django[1]!, django[2]!, salt, Buffer.from(django[4]!, 'base64'));
  }
  const betterAuth = BETTER_AUTH_SCRYPT.exec(encoded);
  if (betterAuth) {
    // better-auth passes the salt's hex text itself to scrypt (not the bytes it spells), and the
    // password normalised to NFKC.
    const salt = betterAuth[1]!;
    const key = Buffer.from(betterAuth[2]!, 'hex');
    return {
      scheme: 'better-auth-scrypt',
      verify: async (password) =>
        timingSafeEqual(
          await scryptAsync(password.normalize('NFKC'), salt, key.length, BETTER_AUTH_SCRYPT_COST),
          key,
        ),
    };
  }
  return null;
}

function pbkdf2Hash(
  scheme: 'pbkdf2' | 'django-pbkdf2',
  digest: string,
  iterationsText: string,
  salt: Buffer,
  hash: Buffer,
): ImportedHash | null {
  const iterations = Number(iterationsText);
  if (
    iterations < 1 ||
    iterations > MAX_PBKDF2_ITERATIONS ||
    hash.length < 16 ||
    hash.length > MAX_HASH_BYTES
  )
    return null;
  return {
    scheme,
    verify: async (password) =>
      timingSafeEqual(await pbkdf2Async(password, salt, iterations, hash.length, digest), hash),
  };
}

/**
 * `hasher`, also verifying imported hashes (`parseImportedHash`), each of which needs a rehash: the
 * first sign-in with the right password replaces it by `hasher`'s own (core's `verifyCredentials`
 * rehashes what `needsRehash` flags). New hashes are always `hasher`'s. Wrap the hasher before
 * bounding it (`limitHasher`): an imported hash's check then holds a hashing place like any other.
 *
 * @example
 * const hasher = limitHasher(withImportedHashes(createArgon2Hasher()), { concurrency: 1 });
 */
export function withImportedHashes(hasher: PasswordHasher): PasswordHasher {
  return {
    hash: (password) => hasher.hash(password),
    verify(encoded, password) {
      const imported = parseImportedHash(encoded);
      return imported ? imported.verify(password) : hasher.verify(encoded, password);
    },
    needsRehash: (encoded) => parseImportedHash(encoded) !== null || hasher.needsRehash(encoded),
  };
}
