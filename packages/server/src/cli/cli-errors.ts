import { isGatehouseError } from '@gatehouse/core';
import { ConfigError } from '../config.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** What to check when the signing keys in the store cannot be decrypted. */
export const KEY_UNAVAILABLE_HINT =
  'The signing keys in the store were encrypted under another key-encryption key. Check that GATEHOUSE_KEY_ENCRYPTION_KEY is the value the other instances of this deployment use (embedded mode: the keyEncryptionKey in <data dir>/secrets.json that created them); a changed value cannot read the keys, so restore the old one rather than deleting keys.';

/** A wrong command line: one line on stderr, exit code 2. */
export class UsageError extends Error {}

/** Prints one line for a failed command and returns its exit code. */
export function reportCliError(error: unknown, io: { err(line: string): void }): number {
  if (error instanceof UsageError || error instanceof ConfigError) {
    io.err(`gatehouse: ${error.message}`);
    return EXIT_USAGE;
  }
  if (isGatehouseError(error) && error.code === 'ERR_KEY_UNAVAILABLE') {
    // Core messages never hold secrets (a KEK id is a fingerprint, not the key).
    io.err(`gatehouse: ${error.code}: ${error.message}. ${KEY_UNAVAILABLE_HINT}`);
    return EXIT_FAILURE;
  }
  // Only the code of other core errors is shown; other errors (a database down) are worth
  // showing as they are.
  const message = isGatehouseError(error)
    ? error.code
    : error instanceof Error
      ? error.message
      : String(error);
  io.err(`gatehouse: ${message}`);
  return EXIT_FAILURE;
}
