import { parseArgv } from './cli/argv.ts';
import { EXIT_OK, EXIT_USAGE, reportCliError, UsageError } from './cli/cli-errors.ts';
import type { CliIo } from './cli/cli-io.ts';
import type { CommandInput, CommandSpec } from './cli/command-spec.ts';
import { commandGroups, commands, findCommand, formatHelp } from './cli/commands.ts';
import { formatGroupHelp as formatGroupHelpOf } from './cli/help.ts';
import { promptNewPassword } from './cli/hidden-input.ts';
import { type GatehouseConfig, loadConfig } from './config.ts';

/** The outside world of the CLI, injected so tests can drive it. */
// CliIo lives in a leaf module so that command modules can use it without importing this one.
export type { CliIo } from './cli/cli-io.ts';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './cli/cli-errors.ts';
export { formatHelp } from './cli/commands.ts';

/** The commands of one group (`gatehouse users`). */
export function formatGroupHelp(group: string): string {
  return formatGroupHelpOf(commands, group);
}

const HELP_FLAGS = ['--help', '-h'];
const allOptions = commands.flatMap((command) => command.options ?? []);

interface ParsedArgs {
  words: string[];
  values: Map<string, string>;
  flags: Set<string>;
  /** Everything else: settings flags, for `loadConfig`. */
  settings: string[];
}

/** One parse for every command: the options of the whole table, each checked against its command after. */
function parseArgs(argv: readonly string[]): ParsedArgs {
  return parseArgv(argv, {
    valueOptions: allOptions.filter((option) => option.value !== undefined).map((option) => option.name),
    flags: [...HELP_FLAGS, ...allOptions.filter((option) => option.value === undefined).map((o) => o.name)],
    valueMayStartWithDashes: allOptions.filter((option) => option.valueMayStartWithDashes).map((o) => o.name),
    // A flag value lands in shell history and `ps` output.
    refuse: (name) =>
      name === '--password' || name === '--admin-password'
        ? `${name} is not accepted: use --password-stdin or GATEHOUSE_ADMIN_PASSWORD`
        : undefined,
    // The operand rule of the command the words name exactly (its operand not yet taken).
    operand: (words) => {
      const command = findCommand(words);
      return command?.name === words.join(' ') ? (command.operand?.rule ?? 'none') : 'none';
    },
  });
}

/** The command `args` name, checked against its row: operand, options, required options. */
function resolve(args: ParsedArgs): { command: CommandSpec; operand: string | undefined } {
  const command = findCommand(args.words);
  const rest = command ? args.words.slice(command.name.split(' ').length) : [];
  const group = commandGroups.has(args.words[0]!) ? `${args.words[0]} ` : '';
  if (
    !command ||
    rest.length > (command.operand ? 1 : 0) ||
    (command.settings === false && args.settings.length > 0)
  )
    throw new UsageError(`unknown command "${args.words.join(' ')}" (see gatehouse ${group}--help)`);
  const [operand] = rest;
  if (command.operand?.missing && operand === undefined)
    throw new UsageError(`${command.name} ${command.operand.missing}`);
  const own = new Set((command.options ?? []).map((option) => option.name));
  for (const name of [...args.values.keys(), ...args.flags]) {
    if (!own.has(name) && !HELP_FLAGS.includes(name))
      throw new UsageError(`${name} does not apply to ${command.name}`);
  }
  for (const option of command.options ?? []) {
    if (option.required && !args.values.has(option.name))
      throw new UsageError(`${command.name} needs ${option.name} ${option.value}`);
  }
  return { command, operand };
}

/**
 * Runs the `gatehouse` command line and returns the exit code: 0 ok, 1 failure, 2 usage error.
 * `serve` returns once listening; the open server keeps the process alive.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const args = parseArgs(argv);
    const [first, second] = args.words;
    const help = HELP_FLAGS.some((flag) => args.flags.has(flag));
    if (first !== undefined && commandGroups.has(first) && (help || second === undefined)) {
      // `gatehouse users` alone is a question, not a typo: answer it (exit 2: nothing was run).
      (help ? io.out : io.err)(formatGroupHelp(first));
      return help ? EXIT_OK : EXIT_USAGE;
    }
    if (help || first === 'help' || first === undefined) {
      io.out(formatHelp());
      return first === undefined && !help ? EXIT_USAGE : EXIT_OK;
    }
    const { command, operand } = resolve(args);
    let config: GatehouseConfig | undefined;
    const input: CommandInput = {
      operand,
      values: args.values,
      flags: args.flags,
      config: () => {
        config ??= loadConfig(io.env, args.settings);
        return config;
      },
      io,
    };
    // Settings are checked before the command runs, whatever it checks itself.
    if (command.settings !== false) input.config();
    return await command.run(input);
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
    stdin: process.stdin,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

if (import.meta.main) await main();
