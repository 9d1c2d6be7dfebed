import { readFileSync } from 'node:fs';

let commonPasswords: ReadonlySet<string> | undefined;

/**
 * The bundled list of common passwords of 12+ characters (common-passwords.txt, one lower-case
 * password a line; made by scripts/generate-common-passwords.ts). Read once, on first use.
 */
export function loadCommonPasswords(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    readFileSync(new URL('./common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
  return commonPasswords;
}

/** True when `password` is on the list, ignoring case: `Password1234` is no better than `password1234`. */
export function isCommonPassword(password: string): boolean {
  return loadCommonPasswords().has(password.toLowerCase());
}
