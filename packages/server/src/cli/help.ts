import type { CommandSpec } from './command-spec.ts';

/** The column where a command's help starts (after `  <usage>`). */
const HELP_COLUMN = 41;

/** `keys revoke <kid>`, `audit [--user <id-or-email>] …`: the command's usage line. */
export function usageOf(command: CommandSpec): string {
  const parts = [command.name];
  if (command.operand) parts.push(`<${command.operand.placeholder}>`);
  for (const option of command.options ?? []) {
    const text = option.value === undefined ? option.name : `${option.name} ${option.value}`;
    parts.push(option.required ? text : `[${text}]`);
  }
  return parts.join(' ');
}

/** A command's entry in the help: its usage, then its help lines at the help column. */
function entryOf(command: CommandSpec): string[] {
  const usage = `  ${usageOf(command)}`;
  const indent = ' '.repeat(HELP_COLUMN);
  const [first = '', ...rest] = command.help;
  // A usage line too long to share with the help goes on a line of its own.
  const head =
    usage.length <= HELP_COLUMN - 2 ? [usage.padEnd(HELP_COLUMN) + first] : [usage, indent + first];
  return [...head, ...rest.map((line) => indent + line)];
}

/** The group of a command: the first of two or more words (`keys` of `keys revoke`). */
export function groupOf(command: CommandSpec): string | undefined {
  const words = command.name.split(' ');
  return words.length > 1 ? words[0] : undefined;
}

/** The full command list of `gatehouse --help` (the settings follow it). */
export function formatCommandsHelp(commands: readonly CommandSpec[]): string {
  return [
    'Usage: gatehouse <command> [options]',
    '',
    'Commands:',
    ...commands.flatMap(entryOf),
    '',
    'Run through npm: npm run gatehouse -- <command> [options]',
  ].join('\n');
}

/** What `gatehouse <group>` alone and `gatehouse <group> --help` print: that group's commands. */
export function formatGroupHelp(commands: readonly CommandSpec[], group: string): string {
  return [
    `Usage: gatehouse ${group} <command> [options]`,
    '',
    'Commands:',
    ...commands.filter((command) => groupOf(command) === group).flatMap(entryOf),
    '',
    'Settings (--data-dir, --database-url, …): gatehouse --help. Run through npm: npm run gatehouse -- <command>',
  ].join('\n');
}
