import {
  cliActor,
  createKeyAdmin,
  createUserAdmin,
  type GatehouseStore,
  type KeyAdmin,
  type Keyring,
  normalizeEmail,
  PasswordPolicyError,
  type SigningKeyRecord,
} from '@gatehouse/core';
import { ACCOUNT_COMMANDS_HELP, isAccountCommand, runAccountCommand } from './cli/account-commands.ts';
import { parseArgv } from './cli/argv.ts';
import { withCliAuth } from './cli/cli-auth.ts';
import type { CliIo } from './cli/cli-io.ts';
import { promptNewPassword } from './cli/hidden-input.ts';
import { formatGeneratedSecrets, SECRETS_COMMAND_HELP } from './cli/secrets-command.ts';
import { formatSettingsHelp, type GatehouseConfig, loadConfig } from './config.ts';
import { resolveSecrets } from './embedded-secrets.ts';
import { startServer } from './server.ts';
import { createConfiguredKeyring } from './signing-keys.ts';
import { openStore } from './store/open-store.ts';

/** The outside world of the CLI, injected so tests can drive it. */
// CliIo lives in a leaf module so that command modules can use it without importing this one.
export type { CliIo } from './cli/cli-io.ts';

import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, reportCliError, UsageError } from './cli/cli-errors.ts';
import { createClientRegistry, formatClients } from './oauth/clients.ts';

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli/cli-errors.ts';

const COMMANDS = `Usage: gatehouse <command> [options]

Commands:
  serve                                  Start the auth server (what \`npm start\` runs).
  migrate                                Apply database migrations, then exit.
  admin create --email <email> [--password-stdin]
                                         Create an admin account, or give an existing account the admin
                                         role. The password comes from stdin (--password-stdin) or
                                         GATEHOUSE_ADMIN_PASSWORD; never from a flag.
  keys list                              List the signing keys: kid, algorithm, status, dates.
  keys rotate                            Make a new signing key active; the previous one keeps
                                         verifying the tokens it signed until they expire.
  keys revoke <kid>                      Delete a signing key at once: tokens it signed are refused
                                         (running servers stop signing with it at once).
                                         Revoking the active key makes a new one. A kid starting
                                         with "--" goes after a "--": keys revoke -- <kid>.
${ACCOUNT_COMMANDS_HELP}
  clients list                           List the registered OAuth clients (GATEHOUSE_CLIENTS and the
                                         default "gatehouse"): id, strategies, DPoP required, name.
${SECRETS_COMMAND_HELP}
  help                                   Show this help.

Run through npm: npm run gatehouse -- <command> [options]`;

export function formatHelp(): string {
  return `${COMMANDS}\n\n${formatSettingsHelp()}\n`;
}

/** Words that only name a group of commands: alone, they print the group's help. */
const COMMAND_GROUPS = ['admin', 'keys', 'users', 'sessions', 'secrets'] as const;

/** The commands of one group, cut from the full help (an entry and its indented continuation lines). */
export function formatGroupHelp(group: string): string {
  const lines: string[] = [];
  let inGroup = false;
  for (const line of COMMANDS.split('\n')) {
    if (/^ {2}\S/.test(line)) inGroup = line.startsWith(`  ${group} `);
    else if (!/^ {3,}\S/.test(line)) inGroup = false;
    if (inGroup) lines.push(line);
  }
  return [
    `Usage: gatehouse ${group} <command> [options]`,
    '',
    'Commands:',
    ...lines,
    '',
    'Settings (--data-dir, --database-url, …): gatehouse --help. Run through npm: npm run gatehouse -- <command>',
  ].join('\n');
}

interface ParsedArgs {
  /** Command words, then its operand (the kid of `keys revoke`). */
  command: string[];
  help: boolean;
  email: string | undefined;
  passwordStdin: boolean;
  /** Everything else: settings flags, for `loadConfig`. */
  settings: string[];
}

function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed = parseArgv(argv, {
    valueOptions: ['--email'],
    valueMayStartWithDashes: true,
    flags: ['--help', '-h', '--password-stdin'],
    // A flag value lands in shell history and `ps` output.
    refuse: (name) =>
      name === '--password' || name === '--admin-password'
        ? `${name} is not accepted: use --password-stdin or GATEHOUSE_ADMIN_PASSWORD`
        : undefined,
    // A kid is base64url and may start with '-', so the operand of `keys revoke` is taken as it is;
    // one starting with '--' needs a '--' before it.
    operand: (words) => (words.join(' ') === 'keys revoke' ? 'dash-allowed' : 'none'),
  });
  return {
    command: parsed.words,
    help: parsed.flags.has('--help') || parsed.flags.has('-h'),
    email: parsed.values.get('--email'),
    passwordStdin: parsed.flags.has('--password-stdin'),
    settings: parsed.settings,
  };
}

/** The password for `admin create`: stdin wins over the environment; one trailing newline is dropped. */
async function readAdminPassword(args: ParsedArgs, io: CliIo): Promise<string> {
  if (args.passwordStdin) return (await io.readStdin()).replace(/\r?\n$/, '');
  const fromEnv = io.env['GATEHOUSE_ADMIN_PASSWORD'];
  if (fromEnv) return fromEnv;
  throw new UsageError(
    'admin create needs a password: pass --password-stdin or set GATEHOUSE_ADMIN_PASSWORD',
  );
}

async function withStore<T>(config: GatehouseConfig, use: (store: GatehouseStore) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

async function createAdmin(args: ParsedArgs, config: GatehouseConfig, io: CliIo): Promise<void> {
  if (args.email === undefined) throw new UsageError('admin create needs --email <email>');
  let email: string;
  try {
    email = normalizeEmail(args.email);
  } catch {
    throw new UsageError('--email is not a valid email address');
  }
  await withCliAuth(config, async (cli) => {
    const { auth, passwordPolicy } = cli;
    const existing = await cli.store.users.getByEmail(email);
    if (existing) {
      if (existing.roles.includes('admin')) {
        io.out(`${email} is already an admin.`);
        return;
      }
      // The admin operation behind POST /admin/users/:id/roles: audited as the operator, and a
      // privilege change ends the user's sessions, with events (docs/design.md §7).
      const { sessionsRevoked } = await createUserAdmin(cli).setRoles(cliActor, existing.id, [
        ...existing.roles,
        'admin',
      ]);
      io.out(`Gave ${email} the admin role (password unchanged; ${sessionsRevoked} session(s) signed out).`);
      return;
    }
    const password = await readAdminPassword(args, io);
    try {
      const { created } = await auth.register({ email, password, roles: ['admin'] });
      if (!created) throw new Error(`${email} was registered concurrently; run the command again`);
    } catch (error) {
      if (error instanceof PasswordPolicyError) {
        throw new UsageError(
          `password rejected (${error.reason}): use ${passwordPolicy.minLength}-${passwordPolicy.maxLength} characters`,
        );
      }
      throw error;
    }
    io.out(`Created admin ${email}.`);
  });
}

const KID = /^[A-Za-z0-9_-]{1,128}$/;

/** `serve` exits within this after SIGTERM/SIGINT, whatever is still running (issue 10: ≤ 10 s). */
const SHUTDOWN_DEADLINE_MS = 9_000;
/** After the signal, `/readyz` answers 503 this long before the listener closes. */
const SHUTDOWN_READINESS_DELAY_MS = 1_000;

function formatKey(key: SigningKeyRecord): string {
  const retired = key.retiredAt === null ? '' : `  retired ${new Date(key.retiredAt).toISOString()}`;
  return `${key.kid}  ${key.alg.padEnd(5)}  ${key.status.padEnd(7)}  created ${new Date(key.createdAt).toISOString()}${retired}`;
}

function activeKid(keyring: Keyring): string | null {
  try {
    return keyring.getSigningKey().kid;
  } catch {
    return null; // no active key yet
  }
}

/**
 * Opens the store and a keyring over it, with every stored key loaded (and so decryptable) first;
 * rotations and revocations go through the audited key admin.
 */
async function withKeyring<T>(
  config: GatehouseConfig,
  use: (keyring: Keyring, keys: KeyAdmin) => Promise<T>,
): Promise<T> {
  return withCliAuth(config, async (cli) => {
    const { keyEncryptionKey } = await resolveSecrets(config);
    const keyring = createConfiguredKeyring(config, cli.store.keys, keyEncryptionKey);
    // With a wrong key-encryption key this fails before anything is written: a key stored under
    // the wrong KEK would make every server refuse to load the keyring.
    await keyring.reload();
    return use(keyring, createKeyAdmin({ ...cli, keyring }));
  });
}

type KeysCommand = 'list' | 'rotate' | 'revoke';

/** `keys list` and `keys rotate` take nothing more; `keys revoke` takes the kid. */
function parseKeysCommand(subcommand: string | undefined, extra: string[]): KeysCommand | null {
  if ((subcommand === 'list' || subcommand === 'rotate') && extra.length === 0) return subcommand;
  if (subcommand === 'revoke' && extra.length <= 1) return subcommand;
  return null;
}

async function runKeysCommand(
  subcommand: KeysCommand,
  kid: string | undefined,
  config: GatehouseConfig,
  io: CliIo,
): Promise<number> {
  if (subcommand === 'list') {
    // Reads only public metadata: needs no key-encryption key.
    const keys = await withStore(config, (store) => store.keys.list());
    if (keys.length === 0) io.out('No signing keys yet (the server creates one at start).');
    for (const key of keys) io.out(formatKey(key));
    return EXIT_OK;
  }
  if (subcommand === 'rotate') {
    const created = await withKeyring(config, (_keyring, keys) => keys.rotate(cliActor));
    io.out(
      `Rotated: ${created} (${config.signingAlgorithm}) is the active signing key; the previous key keeps verifying. Running servers pick it up within two minutes.`,
    );
    return EXIT_OK;
  }
  if (kid === undefined || !KID.test(kid))
    throw new UsageError('keys revoke needs the kid of a key (see keys list)');
  const outcome = await withKeyring(config, async (keyring, keys) => {
    const wasActive = activeKid(keyring) === kid;
    return { removed: await keys.revoke(cliActor, kid), wasActive };
  });
  if (!outcome.removed) {
    io.err(`gatehouse: no signing key ${kid}`);
    return EXIT_FAILURE;
  }
  io.out(
    `Revoked ${kid}: tokens it signed are refused${outcome.wasActive ? '; a new active key was created' : ''}. Running servers reload their keys within two minutes.`,
  );
  return EXIT_OK;
}

/**
 * Runs the `gatehouse` command line and returns the exit code: 0 ok, 1 failure, 2 usage error.
 * `serve` returns once listening; the open server keeps the process alive.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = parseArgs(argv);
    const [command, subcommand, ...extra] = args.command;
    const group = COMMAND_GROUPS.find((name) => name === command);
    if (group && (args.help || subcommand === undefined)) {
      // `gatehouse users` alone is a question, not a typo: answer it (exit 2: nothing was run).
      (args.help ? io.out : io.err)(formatGroupHelp(group));
      return args.help ? EXIT_OK : EXIT_USAGE;
    }
    if (args.help || command === 'help' || command === undefined) {
      io.out(formatHelp());
      return command === undefined && !args.help ? EXIT_USAGE : EXIT_OK;
    }
    if (command === 'secrets') {
      if (subcommand !== 'generate' || extra.length > 0 || args.settings.length > 0)
        throw new UsageError(`unknown command "${args.command.join(' ')}" (see gatehouse secrets --help)`);
      for (const line of formatGeneratedSecrets()) io.out(line);
      return EXIT_OK;
    }
    if (isAccountCommand(command)) return await runAccountCommand(argv, io);
    if (command === 'clients' && subcommand === 'list' && extra.length === 0) {
      for (const line of formatClients(createClientRegistry(loadConfig(io.env, args.settings).clients)))
        io.out(line);
      return EXIT_OK;
    }
    const keysCommand = command === 'keys' ? parseKeysCommand(subcommand, extra) : null;
    const known =
      (command === 'serve' || command === 'migrate') && subcommand === undefined
        ? command
        : command === 'admin' && subcommand === 'create' && extra.length === 0
          ? 'admin create'
          : keysCommand
            ? 'keys'
            : null;
    if (!known) throw new UsageError(`unknown command "${args.command.join(' ')}" (see gatehouse --help)`);
    if (known !== 'admin create' && (args.email !== undefined || args.passwordStdin)) {
      throw new UsageError('--email and --password-stdin belong to admin create');
    }
    const config = loadConfig(io.env, args.settings);

    if (known === 'serve') {
      const server = await startServer(config);
      io.out(`Gatehouse listening on ${server.url}; open ${server.browserUrl}`);
      // First signal: a graceful stop (readyz 503, feed streams closed, requests drained), bounded
      // at SHUTDOWN_DEADLINE_MS. A second signal: exit at once.
      let stopping = false;
      const onSignal = () => {
        if (stopping) process.exit(EXIT_FAILURE);
        stopping = true;
        setTimeout(() => process.exit(EXIT_FAILURE), SHUTDOWN_DEADLINE_MS).unref();
        server.shutdown({ readinessDelayMs: SHUTDOWN_READINESS_DELAY_MS }).then(
          () => process.exit(EXIT_OK),
          () => process.exit(EXIT_FAILURE),
        );
      };
      for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
      return EXIT_OK;
    }
    if (keysCommand) return await runKeysCommand(keysCommand, extra[0], config, io);
    if (known === 'migrate') {
      await withStore(config, async (store) => io.out(`Migrations applied (${store.kind} store).`));
      return EXIT_OK;
    }
    await createAdmin(args, config, io);
    return EXIT_OK;
  } catch (error) {
    return reportCliError(error, io);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    length += buffer.length;
    // A password is short; anything this large is a mistake (a file piped in by accident).
    if (length > 4096) throw new UsageError('stdin is longer than 4 KiB; expected just a password');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The process entry point: real env, stdin and stdout. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await runCli(argv, {
    env: process.env,
    readStdin: () => {
      // On a terminal the password is typed, never shown; piped in, it is read as it comes.
      if (process.stdin.isTTY) return promptNewPassword({ input: process.stdin, output: process.stderr });
      return readAll(process.stdin);
    },
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

if (import.meta.main) await main();
