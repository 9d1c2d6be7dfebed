import { createArgon2Hasher, type PasswordHasher } from '../password/password-hasher.ts';

/** Real Argon2id with test-sized cost, so suites that log in often stay fast. Never for production. */
export function createFastHasher(): PasswordHasher {
  return createArgon2Hasher({ memoryKiB: 64, passes: 1, parallelism: 1 });
}
