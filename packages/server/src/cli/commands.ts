import { formatSettingsHelp } from '../config.ts';
import { accountCommands } from './account-commands.ts';
import { adminCreateCommand } from './admin-command.ts';
import { EXIT_OK } from './cli-errors.ts';
import type { CommandSpec } from './command-spec.ts';
import { formatCommandsHelp, groupOf } from './help.ts';
import { keyCommands } from './key-commands.ts';
import {
  clientsListCommand,
  migrateCommand,
  secretsGenerateCommand,
  serveCommand,
} from './server-commands.ts';

/** `gatehouse --help`: every command, then every setting. */
export function formatHelp(): string {
  return `${formatCommandsHelp(commands)}\n\n${formatSettingsHelp()}\n`;
}

const helpCommand: CommandSpec = {
  name: 'help',
  settings: false,
  help: ['Show this help.'],
  run: async ({ io }) => {
    io.out(formatHelp());
    return EXIT_OK;
  },
};

/**
 * The command table, in `--help` order: dispatch (cli.ts), argv parsing, usage lines, `--help` and
 * each group's help come from it.
 */
export const commands: readonly CommandSpec[] = [
  serveCommand,
  migrateCommand,
  adminCreateCommand,
  ...keyCommands,
  ...accountCommands,
  clientsListCommand,
  secretsGenerateCommand,
  helpCommand,
];

/** Words that only name a group of commands (`users`, `keys`): alone, they print the group's help. */
export const commandGroups: ReadonlySet<string> = new Set(
  commands.map(groupOf).filter((group) => group !== undefined),
);

/** The command the leading words name (`keys revoke` of `keys revoke abc`), if any. */
export function findCommand(words: readonly string[]): CommandSpec | undefined {
  return commands.find((command) => {
    const name = command.name.split(' ');
    return name.every((word, index) => words[index] === word);
  });
}
