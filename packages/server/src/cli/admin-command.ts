import { cliActor, createUserAdmin, normalizeEmail, PasswordPolicyError } from '@gatehouse/core';
import { withCliAuth } from './cli-auth.ts';
import { EXIT_OK, UsageError } from './cli-errors.ts';
import type { CliIo } from './cli-io.ts';
import type { CommandInput, CommandSpec } from './command-spec.ts';

/** The password for `admin create`: stdin wins over the environment; one trailing newline is dropped. */
async function readAdminPassword(input: CommandInput, io: CliIo): Promise<string> {
  if (input.flags.has('--password-stdin')) return (await io.readStdin()).replace(/\r?\n$/, '');
  const fromEnv = io.env['GATEHOUSE_ADMIN_PASSWORD'];
  if (fromEnv) return fromEnv;
  throw new UsageError(
    'admin create needs a password: pass --password-stdin or set GATEHOUSE_ADMIN_PASSWORD',
  );
}

function parseEmail(text: string | undefined): string {
  if (text === undefined) throw new UsageError('admin create needs --email <email>');
  try {
    return normalizeEmail(text);
  } catch {
    throw new UsageError('--email is not a valid email address');
  }
}

/**
 * Creates an admin account (registered as `POST /auth/register` registers, with the admin role), or
 * gives an existing account the role through the admin operation behind
 * `POST /admin/users/:id/roles`: audited as the operator, and a privilege change ends the user's
 * sessions, with events (docs/design.md §7).
 */
async function createAdmin(input: CommandInput): Promise<number> {
  const { io } = input;
  const email = parseEmail(input.values.get('--email'));
  await withCliAuth(input.config(), async (cli) => {
    const { auth, store, passwordPolicy } = cli;
    const existing = await store.users.getByEmail(email);
    if (existing?.roles.includes('admin')) {
      io.out(`${email} is already an admin.`);
      return;
    }
    if (existing) {
      const { sessionsRevoked } = await createUserAdmin(cli).setRoles(cliActor, existing.id, [
        ...existing.roles,
        'admin',
      ]);
      io.out(`Gave ${email} the admin role (password unchanged; ${sessionsRevoked} session(s) signed out).`);
      return;
    }
    const password = await readAdminPassword(input, io);
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
  return EXIT_OK;
}

export const adminCreateCommand: CommandSpec = {
  name: 'admin create',
  options: [
    // The word after --email is its value even if it starts with `--` (then refused as no email).
    { name: '--email', value: '<email>', required: true, valueMayStartWithDashes: true },
    { name: '--password-stdin' },
  ],
  help: [
    'Create an admin account, or give an existing account the admin',
    'role. The password comes from stdin (--password-stdin) or',
    'GATEHOUSE_ADMIN_PASSWORD; never from a flag.',
  ],
  run: createAdmin,
};
