import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { type ImportOutcome, importUser } from '../import/import-user.ts';
import { withCliAuth } from './cli-auth.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from './cli-errors.ts';
import type { CommandInput, CommandSpec } from './command-spec.ts';

/** A line longer than this is refused without being parsed: an account is a few hundred bytes. */
const MAX_LINE_CHARS = 64 * 1024;

/**
 * The input's lines, read as they come (a million accounts need not fit in memory): `--file`, or
 * stdin. Checked before the store is opened (a file that cannot be read, or a terminal, is a
 * usage error); read once the loop asks (readline drops what arrives before it is iterated).
 */
async function openLines({ values, io }: CommandInput): Promise<() => AsyncIterable<string>> {
  const path = values.get('--file');
  const lines = (input: NodeJS.ReadableStream) =>
    createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  if (path === undefined) {
    const stdin = io.stdin;
    if (!stdin || stdin.isTTY)
      throw new UsageError(
        'users import reads one JSON object a line: pipe them in (< users.jsonl) or use --file <path>',
      );
    return () => lines(stdin);
  }
  const handle = await open(path).catch(() => undefined);
  if (!handle || !(await handle.stat()).isFile()) {
    await handle?.close();
    throw new UsageError(`cannot read --file ${path}`);
  }
  // The stream closes the file when it ends.
  return () => lines(handle.createReadStream());
}

/**
 * `users import`: accounts from another system, one JSON object a line, with their password
 * hashes (import/import-user.ts says which). Each line is imported on its own: an email already
 * registered is skipped, a line that cannot be imported is named (by number and reason, never by
 * its content: it holds a password hash) and the rest go on; exit 1 when any line was refused.
 */
async function importUsers(input: CommandInput): Promise<number> {
  const { io } = input;
  const dryRun = input.flags.has('--dry-run');
  const lines = await openLines(input);
  const counts = { imported: 0, exists: 0, refused: 0 };
  const schemes = new Map<string, number>();
  // A dry run writes nothing, so it remembers the emails it would have imported itself.
  const wouldImport = new Set<string>();
  await withCliAuth(input.config(), async (cli) => {
    let index = -1;
    for await (const line of lines()) {
      index++;
      if (line.trim() === '') continue;
      let outcome: ImportOutcome;
      try {
        outcome =
          line.length > MAX_LINE_CHARS
            ? { result: 'refused', reason: 'line too long' }
            : await importUser(cli, parseLine(line), { dryRun });
      } catch (error) {
        // The store failed (it is down, say): what is written stays, and a second run skips it.
        io.err(`line ${index + 1}: stopped here; the lines before it are done (run again to go on)`);
        throw error;
      }
      if (dryRun && outcome.result === 'imported') {
        if (wouldImport.has(outcome.user.email)) outcome = { result: 'exists' };
        else wouldImport.add(outcome.user.email);
      }
      counts[outcome.result]++;
      if (outcome.result === 'refused') io.err(`line ${index + 1}: refused: ${outcome.reason}`);
      if (outcome.result === 'imported') schemes.set(outcome.scheme, (schemes.get(outcome.scheme) ?? 0) + 1);
    }
  });
  const bySchemes = [...schemes].map(([scheme, count]) => `${count} ${scheme}`).join(', ');
  io.out(
    `${dryRun ? 'Would import' : 'Imported'} ${counts.imported} account(s)${bySchemes ? ` (${bySchemes})` : ''}; ` +
      `${counts.exists} already registered, left as they are; ${counts.refused} refused.`,
  );
  return counts.refused > 0 ? EXIT_FAILURE : EXIT_OK;
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

export const usersImportCommand: CommandSpec = {
  name: 'users import',
  options: [{ name: '--file', value: '<path>' }, { name: '--dry-run' }],
  help: [
    'Import accounts from another system with their passwords:',
    'one JSON object a line (stdin or --file) with email and',
    'passwordHash (Argon2id, bcrypt, PBKDF2 from passlib or Django,',
    "better-auth scrypt) or a Keycloak user's credentials. Each hash",
    'becomes Argon2id at its first sign-in. Registered emails are',
    'skipped; --dry-run checks every line and writes nothing.',
  ],
  run: importUsers,
};
