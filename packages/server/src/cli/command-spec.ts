import type { GatehouseConfig } from '../config.ts';
import type { OperandRule } from './argv.ts';
import type { CliIo } from './cli-io.ts';

/**
 * One row of the CLI's command table (cli/commands.ts): dispatch, argv parsing, the usage line,
 * `--help` and the group help all come from these rows.
 */

/** An option of a command: `--user <id-or-email>`, or a flag (`--password-stdin`) without `value`. */
export interface OptionSpec {
  name: string;
  /** The value's placeholder in the usage line; absent for a flag. */
  value?: string;
  /** A required option: its absence is a usage error (`sessions revoke needs --user <id-or-email>`). */
  required?: boolean;
  /** May its value, given as the next word, start with `--`? */
  valueMayStartWithDashes?: boolean;
}

export interface OperandSpec {
  /** Its placeholder in the usage line: `kid` prints as `<kid>`. */
  placeholder: string;
  /** How a value starting with `-` is taken (ids and kids are base64url). */
  rule: OperandRule;
  /** The usage error when it is missing, after the command name; absent: the command checks it. */
  missing?: string;
}

/** What a command gets to run with. */
export interface CommandInput {
  operand: string | undefined;
  /** Values of its options, by name (`--user`). */
  values: ReadonlyMap<string, string>;
  /** Its flags that were given (`--password-stdin`). */
  flags: ReadonlySet<string>;
  /** The configuration from the env and the settings flags (loaded once, before `run`). */
  config(): GatehouseConfig;
  io: CliIo;
}

export interface CommandSpec {
  /** The words that name it: `keys revoke`. Its first word, when it has two, is a command group. */
  name: string;
  operand?: OperandSpec;
  options?: readonly OptionSpec[];
  /** The lines of its help, after the usage line. */
  help: readonly string[];
  /** False for a command that reads no settings: settings flags make it an unknown command. */
  settings?: false;
  /** Runs it and returns the exit code: 0 ok, 1 failure, 2 usage error. */
  run(input: CommandInput): Promise<number>;
}
