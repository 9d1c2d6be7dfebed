import { argon2, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../lib/encoding.ts';

/** Argon2id cost parameters. Defaults follow OWASP: m=19 MiB, t=2, p=1. */
export interface Argon2Params {
  memoryKiB: number;
  passes: number;
  parallelism: number;
}

export const defaultArgon2Params: Argon2Params = { memoryKiB: 19 * 1024, passes: 2, parallelism: 1 };

/** Hashes and checks passwords. Implementations must keep the work off the event loop. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(encoded: string, password: string): Promise<boolean>;
  /** True when a stored hash was made with weaker parameters than the current ones. */
  needsRehash(encoded: string): boolean;
  /**
   * Optional (bounded hashers, see `limitHasher`): holds a place for one operation now, or throws
   * `OverloadedError` when at capacity. The permit's hasher is used for that operation's hashes.
   * `keys` (the client's address, the account) share the places fairly between clients.
   */
  admit?(purpose?: HashPurpose, keys?: readonly string[]): HashPermit;
}

/** Which flow asked for a hash: labels the overload metric. */
export type HashPurpose = 'login' | 'register' | 'password_change' | 'password_reset' | 'other';

/** A place held for one hashing operation; release it when the operation ends (idempotent). */
export interface HashPermit {
  hasher: PasswordHasher;
  /**
   * Set when the operation must wait its turn: resolves when it may start, or rejects with
   * `OverloadedError` if it was displaced meanwhile (its place released). Await it before the
   * operation's first read or write.
   */
  ready?: Promise<void>;
  release(): void;
}

const TAG_LENGTH = 32;
const SALT_LENGTH = 16;

/** Computes one Argon2id tag: where the work runs (libuv pool, a worker thread) is its business. */
export type Argon2Derive = (
  password: string,
  salt: Buffer,
  params: Argon2Params,
  tagLength: number,
) => Promise<Buffer>;

function runArgon2(password: string, salt: Buffer, params: Argon2Params, tagLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // node:crypto runs argon2 on the libuv thread pool, so the event loop keeps serving requests.
    argon2(
      'argon2id',
      {
        message: Buffer.from(password, 'utf8'),
        nonce: salt,
        parallelism: params.parallelism,
        tagLength,
        memory: params.memoryKiB,
        passes: params.passes,
      },
      (error, derived) => (error ? reject(error) : resolve(Buffer.from(derived))),
    );
  });
}

const PHC =
  /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{16,64})\$([A-Za-z0-9+/]{16,128})$/;

/**
 * The most a stored hash may ask of a sign-in: 1 GiB (libsodium's "sensitive" limit, 50 times the
 * default) and 16 lanes, which every running hash allocates at once, and 256 passes, which only
 * cost its thread time (the hashing limit bounds how many run). The format alone allows 9.5 GiB and
 * 999 lanes, which a tampered or imported row would make every attempt on that account allocate;
 * such a hash is refused without hashing, and flagged for rehash.
 */
export const STORED_ARGON2_LIMITS: Argon2Params = { memoryKiB: 1024 * 1024, passes: 256, parallelism: 16 };

function parsePhc(encoded: string): { params: Argon2Params; salt: Buffer; tag: Buffer } | null {
  const match = PHC.exec(encoded);
  if (!match) return null;
  const params = { memoryKiB: Number(match[1]), passes: Number(match[2]), parallelism: Number(match[3]) };
  const limits = STORED_ARGON2_LIMITS;
  if (
    params.memoryKiB > limits.memoryKiB ||
    params.passes > limits.passes ||
    params.parallelism > limits.parallelism ||
    params.memoryKiB < 8 * params.parallelism ||
    params.passes < 1 ||
    params.parallelism < 1
  )
    return null;
  return {
    params,
    salt: Buffer.from(match[4]!, 'base64'),
    tag: Buffer.from(match[5]!, 'base64'),
  };
}

/**
 * Whether `encoded` is an Argon2id PHC string this hasher verifies (within `STORED_ARGON2_LIMITS`),
 * whatever made it: Gatehouse, or another system whose hashes are imported (passlib, Ory Kratos,
 * SuperTokens).
 */
export function isArgon2idHash(encoded: string): boolean {
  return parsePhc(encoded) !== null;
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64').replace(/=+$/, '');
}

/**
 * Argon2id password hasher on `node:crypto` (Node ≥ 24.7), PHC string format.
 *
 * @example
 * const hasher = createArgon2Hasher();
 * const stored = await hasher.hash('correct horse battery staple');
 * await hasher.verify(stored, 'correct horse battery staple'); // true
 */
export function createArgon2Hasher(params: Argon2Params = defaultArgon2Params): PasswordHasher {
  return createArgon2HasherOn(runArgon2, params);
}

/**
 * The same hasher (PHC format, parameters, checks) with the tag computed by `derive`: hashes made
 * by one verify with the other. `createThreadedArgon2Hasher` uses it with its worker threads.
 */
export function createArgon2HasherOn(
  derive: Argon2Derive,
  params: Argon2Params = defaultArgon2Params,
): PasswordHasher {
  if (params.memoryKiB < 8 * params.parallelism || params.passes < 1 || params.parallelism < 1) {
    throw new TypeError('argon2 parameters out of range');
  }
  return {
    async hash(password) {
      const salt = randomBytes(SALT_LENGTH);
      const tag = await derive(password, salt, params, TAG_LENGTH);
      return `$argon2id$v=19$m=${params.memoryKiB},t=${params.passes},p=${params.parallelism}$${b64(salt)}$${b64(tag)}`;
    },
    async verify(encoded, password) {
      const parsed = parsePhc(encoded);
      if (!parsed) return false;
      // The stored tag's own length: other systems' Argon2id (passlib: 16 bytes) verify too.
      const tag = await derive(password, parsed.salt, parsed.params, parsed.tag.length);
      return constantTimeEqual(tag.toString('base64'), parsed.tag.toString('base64'));
    },
    needsRehash(encoded) {
      const parsed = parsePhc(encoded);
      if (!parsed) return true;
      return (
        parsed.tag.length !== TAG_LENGTH ||
        parsed.params.memoryKiB < params.memoryKiB ||
        parsed.params.passes < params.passes ||
        parsed.params.parallelism !== params.parallelism
      );
    },
  };
}
