import { isGatehouseError } from '@gatehouse/core';
import { ConfigError } from '../config.ts';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A wrong command line: one line on stderr, exit code 2. */
export class UsageError extends Error {}

/** Prints one line for a failed command and returns its exit code. */
export function reportCliError(error: unknown, io: { err(line: string): void }): number {
  if (error instanceof UsageError || error instanceof ConfigError) {
    io.err(`gatehouse: ${error.message}`);
    return EXIT_USAGE;
  }
  // Core messages never hold secrets, so only the code is shown; other errors (a database down)
  // are worth showing as they are.
  const message = isGatehouseError(error)
    ? error.code
    : error instanceof Error
      ? error.message
      : String(error);
  io.err(`gatehouse: ${message}`);
  return EXIT_FAILURE;
}
