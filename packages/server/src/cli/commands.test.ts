import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CliIo, formatGroupHelp, formatHelp, runCli } from '../cli.ts';
import { commandGroups, commands, findCommand } from './commands.ts';
import { usageOf } from './help.ts';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env: {},
    readStdin: async () => '',
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { code: await runCli(argv, io), out, err };
}

describe('the command table', () => {
  it('is where dispatch finds every command, and every usage line is in --help', () => {
    const help = formatHelp();
    for (const command of commands) {
      assert.equal(findCommand([...command.name.split(' '), 'operand']), command, command.name);
      assert.ok(help.includes(`  ${usageOf(command)}`), usageOf(command));
    }
    assert.equal(findCommand(['keys', 'purge']), undefined);
  });

  it('derives usage lines from the operand and options', () => {
    const usage = (name: string) => usageOf(findCommand(name.split(' '))!);
    assert.equal(usage('keys revoke'), 'keys revoke <kid>');
    assert.equal(usage('admin create'), 'admin create --email <email> [--password-stdin]');
    assert.equal(usage('sessions revoke'), 'sessions revoke --user <id-or-email>');
    assert.equal(usage('audit'), 'audit [--user <id-or-email>] [--type <type>] [--limit <n>]');
  });

  it('answers every group alone with exactly its commands (exit 2)', async () => {
    assert.deepEqual([...commandGroups].sort(), ['admin', 'clients', 'keys', 'secrets', 'sessions', 'users']);
    for (const group of commandGroups) {
      const alone = await run([group]);
      assert.equal(alone.code, 2, group);
      assert.deepEqual(alone.err, [formatGroupHelp(group)]);
      const lines = alone.err[0]!.split('\n');
      for (const command of commands) {
        const listed = lines.some((line) => line.startsWith(`  ${usageOf(command)}`));
        assert.equal(listed, command.name.startsWith(`${group} `), `${group}: ${command.name}`);
      }
    }
  });

  it("refuses another command's option, naming the command (exit 2, before any store is opened)", async () => {
    for (const [argv, message] of [
      [['keys', 'list', '--email', 'a@example.com'], '--email does not apply to keys list'],
      [['migrate', '--password-stdin'], '--password-stdin does not apply to migrate'],
      [['users', 'list', '--limit', '5'], '--limit does not apply to users list'],
    ] as const) {
      const result = await run([...argv, '--data-dir', '/nonexistent/gatehouse']);
      assert.equal(result.code, 2, argv.join(' '));
      assert.deepEqual(result.err, [`gatehouse: ${message}`]);
    }
  });

  it('points an unknown command of a group to that group’s help', async () => {
    const result = await run(['keys', 'purge']);
    assert.equal(result.code, 2);
    assert.deepEqual(result.err, ['gatehouse: unknown command "keys purge" (see gatehouse keys --help)']);
  });
});
