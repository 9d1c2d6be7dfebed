import {
  cliActor,
  createUserAdmin,
  type GatehouseStore,
  normalizeEmail,
  USER_ID_PATTERN,
  type UserRecord,
} from '@gatehouse/core';
import { toAuditView } from '../audit-view.ts';
import { withCliAuth } from './cli-auth.ts';
import { usersExportCommand } from './export-command.ts';
import { usersImportCommand } from './import-command.ts';
import { EXIT_OK, UsageError } from './cli-errors.ts';
import type { CommandInput, CommandSpec, OperandSpec } from './command-spec.ts';
import { formatTable } from './table.ts';

/**
 * `users …`, `sessions revoke` and `audit`: the operator's side of the admin API. Changes go
 * through core's user admin (as `/admin/users/…` do), acting as the operator (`via: "cli"` in the
 * audit log); exit 1 for no such account or a store down, 2 for a usage error.
 */

const EVENT_TYPE = /^[a-z][a-z0-9_.]{0,63}$/;

/** An account by id, or by email when the text has an `@`. */
async function findUser(store: GatehouseStore, idOrEmail: string): Promise<UserRecord> {
  let user: UserRecord | null;
  if (idOrEmail.includes('@')) {
    let email: string;
    try {
      email = normalizeEmail(idOrEmail);
    } catch {
      throw new UsageError('not a valid email address');
    }
    user = await store.users.getByEmail(email);
  } else {
    user = USER_ID_PATTERN.test(idOrEmail) ? await store.users.getById(idOrEmail) : null;
  }
  if (!user) throw new Error(`no account ${idOrEmail}`);
  return user;
}

/** `--user` of `audit`: an email names a current account; an id may also be that of a deleted one. */
async function resolveUserId(store: GatehouseStore, idOrEmail: string): Promise<string> {
  if (idOrEmail.includes('@')) return (await findUser(store, idOrEmail)).id;
  if (!USER_ID_PATTERN.test(idOrEmail)) throw new UsageError('--user is not an account id or email');
  return idOrEmail;
}

function userRow(user: UserRecord): string[] {
  const roles = user.roles.length > 0 ? user.roles.join(',') : '-';
  return [user.id, user.email, user.status, roles, new Date(user.createdAt).toISOString()];
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 100;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 10_000)
    throw new UsageError('--limit must be a whole number from 1 to 10000');
  return Number(text);
}

async function listUsers({ config, values, io }: CommandInput): Promise<number> {
  await withCliAuth(config(), async (cli) => {
    const users = createUserAdmin(cli);
    const query = values.get('--query');
    const rows: string[][] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await users.listUsers({ ...(query ? { query } : {}), limit: 500, offset });
      rows.push(...page.map(userRow));
      if (page.length < 500) break;
    }
    if (rows.length === 0) io.out('No accounts match.');
    else for (const line of formatTable(['ID', 'EMAIL', 'STATUS', 'ROLES', 'CREATED'], rows)) io.out(line);
  });
  return EXIT_OK;
}

async function printAudit({ config, values, io }: CommandInput): Promise<number> {
  const type = values.get('--type');
  if (type !== undefined && !EVENT_TYPE.test(type)) throw new UsageError('--type is not an event type');
  const limit = parseLimit(values.get('--limit'));
  await withCliAuth(config(), async ({ store }) => {
    const user = values.get('--user');
    const userId = user === undefined ? undefined : await resolveUserId(store, user);
    const events = await store.audit.query({
      limit,
      ...(userId === undefined ? {} : { userId }),
      ...(type === undefined ? {} : { type }),
    });
    for (const event of events) io.out(JSON.stringify(toAuditView(event)));
  });
  return EXIT_OK;
}

type AccountAction = (users: ReturnType<typeof createUserAdmin>, target: UserRecord) => Promise<string>;

/**
 * A command that acts on one account (named by the operand, or by `--user`): `act` returns what to
 * print. A revocation adds a note when it cannot reach the running servers' feed.
 */
function onAccount(act: AccountAction, revokes: boolean): CommandSpec['run'] {
  return async ({ config, operand, values, io }) => {
    const settings = config();
    await withCliAuth(settings, async (cli) => {
      const { store, feedReachesVerifiers } = cli;
      const target = await findUser(store, operand ?? values.get('--user')!);
      io.out(await act(createUserAdmin(cli), target));
      if (revokes && !feedReachesVerifiers) {
        io.out(
          `Note: without REDIS_URL this command cannot reach the running servers' revocation feed. They refuse the signed-out sessions at once, but services verifying tokens on their own keep accepting the access tokens they already checked for up to ${settings.accessTokenTtlSeconds} s.`,
        );
      }
    });
    return EXIT_OK;
  };
}

/** User ids are base64url and may start with '-': after '--' the next word is the operand. */
const ACCOUNT: OperandSpec = {
  placeholder: 'id-or-email',
  rule: 'after-separator',
  missing: 'needs an account id or email',
};
const USER_OPTION = { name: '--user', value: '<id-or-email>' };

export const accountCommands: readonly CommandSpec[] = [
  {
    name: 'users list',
    options: [{ name: '--query', value: '<text>' }],
    help: ['List accounts (id, email, status, roles), by email.'],
    run: listUsers,
  },
  {
    name: 'users suspend',
    operand: ACCOUNT,
    help: ['Suspend an account and sign out all its sessions.'],
    run: onAccount(async (users, target) => {
      const { sessionsRevoked } = await users.suspend(cliActor, target.id);
      return `Suspended ${target.email} (${sessionsRevoked} session(s) signed out).`;
    }, true),
  },
  {
    name: 'users unsuspend',
    operand: ACCOUNT,
    help: ['Let a suspended account sign in again.'],
    run: onAccount(async (users, target) => {
      await users.unsuspend(cliActor, target.id);
      return `Unsuspended ${target.email}: it can sign in again.`;
    }, false),
  },
  {
    name: 'users delete',
    operand: ACCOUNT,
    help: [
      'Sign out all sessions of an account, then delete it.',
      'An id starting with "-" goes after a "--":',
      'users delete -- <id>.',
    ],
    run: onAccount(async (users, target) => {
      const { sessionsRevoked } = await users.deleteUser(cliActor, target.id);
      return `Deleted ${target.email} (${target.id}; ${sessionsRevoked} session(s) signed out).`;
    }, true),
  },
  usersImportCommand,
  usersExportCommand,
  {
    name: 'sessions revoke',
    options: [{ ...USER_OPTION, required: true }],
    help: ['Sign out every session of an account.'],
    run: onAccount(async (users, target) => {
      const count = await users.revokeSessions(cliActor, target.id);
      return `Signed out ${count} session(s) of ${target.email}.`;
    }, true),
  },
  {
    name: 'audit',
    options: [USER_OPTION, { name: '--type', value: '<type>' }, { name: '--limit', value: '<n>' }],
    help: ['Print audit events (default 100, newest first), one JSON', 'object a line.'],
    run: printAudit,
  },
];
