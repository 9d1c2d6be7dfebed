import {
  cliActor,
  createUserAdmin,
  type GatehouseStore,
  normalizeEmail,
  type UserRecord,
} from '@gatehouse/core';
import type { CliIo } from './cli-io.ts';
import { type GatehouseConfig, loadConfig } from '../config.ts';
import { toAuditView } from '../audit-view.ts';
import { parseArgv } from './argv.ts';
import { withCliAuth } from './cli-auth.ts';
import { EXIT_OK, reportCliError, UsageError } from './cli-errors.ts';
import { formatTable } from './table.ts';

/** Appended to `gatehouse --help`. */
export const ACCOUNT_COMMANDS_HELP = `  users list [--query <text>]            List accounts (id, email, status, roles), by email.
  users suspend <id-or-email>            Suspend an account and sign out all its sessions.
  users unsuspend <id-or-email>          Let a suspended account sign in again.
  users delete <id-or-email>             Sign out all sessions of an account, then delete it.
                                         An id starting with "-" goes after a "--":
                                         users delete -- <id>.
  sessions revoke --user <id-or-email>   Sign out every session of an account.
  audit [--user <id-or-email>] [--type <type>] [--limit <n>]
                                         Print audit events (default 100, newest first), one JSON
                                         object a line.`;

const GROUPS = new Set(['users', 'sessions', 'audit']);

/** True for the first word of a command this module runs. */
export function isAccountCommand(word: string | undefined): boolean {
  return word !== undefined && GROUPS.has(word);
}

const OPTIONS = ['--query', '--user', '--type', '--limit'] as const;
type OptionName = (typeof OPTIONS)[number];

interface ParsedCommand {
  words: string[];
  options: Map<OptionName, string>;
  /** Everything else: settings flags, for `loadConfig`. */
  settings: string[];
}

function parse(argv: readonly string[]): ParsedCommand {
  // User ids are base64url and may start with '-': after '--' the next word is the operand.
  const parsed = parseArgv(argv, { valueOptions: OPTIONS, operand: () => 'after-separator' });
  return {
    words: parsed.words,
    options: parsed.values as Map<OptionName, string>,
    settings: parsed.settings,
  };
}

const COMMANDS: Record<string, { operand: boolean; options: readonly OptionName[] }> = {
  'users list': { operand: false, options: ['--query'] },
  'users suspend': { operand: true, options: [] },
  'users unsuspend': { operand: true, options: [] },
  'users delete': { operand: true, options: [] },
  'sessions revoke': { operand: false, options: ['--user'] },
  audit: { operand: false, options: ['--user', '--type', '--limit'] },
};

/** Checks the words and options against COMMANDS; returns the command name and its operand. */
function resolveCommand(parsed: ParsedCommand): { name: string; operand: string | undefined } {
  const isAudit = parsed.words[0] === 'audit';
  const name = isAudit ? 'audit' : parsed.words.slice(0, 2).join(' ');
  const spec = COMMANDS[name];
  const rest = parsed.words.slice(isAudit ? 1 : 2);
  if (!spec || rest.length > (spec.operand ? 1 : 0))
    throw new UsageError(`unknown command "${parsed.words.join(' ')}" (see gatehouse --help)`);
  if (spec.operand && rest.length === 0) throw new UsageError(`${name} needs an account id or email`);
  for (const option of parsed.options.keys()) {
    if (!spec.options.includes(option)) throw new UsageError(`${option} does not apply to ${name}`);
  }
  if (name === 'sessions revoke' && !parsed.options.has('--user'))
    throw new UsageError('sessions revoke needs --user <id-or-email>');
  return { name, operand: rest[0] };
}

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
    user = /^[A-Za-z0-9_-]{1,128}$/.test(idOrEmail) ? await store.users.getById(idOrEmail) : null;
  }
  if (!user) throw new Error(`no account ${idOrEmail}`);
  return user;
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

const EVENT_TYPE = /^[a-z][a-z0-9_.]{0,63}$/;

async function run(
  name: string,
  operand: string | undefined,
  options: Map<OptionName, string>,
  config: GatehouseConfig,
  io: CliIo,
): Promise<void> {
  if (name === 'audit') {
    const type = options.get('--type');
    if (type !== undefined && !EVENT_TYPE.test(type)) throw new UsageError('--type is not an event type');
    const limit = parseLimit(options.get('--limit'));
    await withCliAuth(config, async ({ store }) => {
      const user = options.get('--user');
      const userId = user === undefined ? undefined : await resolveUserId(store, user);
      const events = await store.audit.query({
        limit,
        ...(userId === undefined ? {} : { userId }),
        ...(type === undefined ? {} : { type }),
      });
      for (const event of events) io.out(JSON.stringify(toAuditView(event)));
    });
    return;
  }

  await withCliAuth(config, async (cli) => {
    const { store, feedReachesVerifiers } = cli;
    const users = createUserAdmin(cli);
    const revocationNote = () => {
      if (feedReachesVerifiers) return;
      io.out(
        `Note: without REDIS_URL this command cannot reach the running servers' revocation feed. They refuse the signed-out sessions at once, but services verifying tokens on their own keep accepting the access tokens they already checked for up to ${config.accessTokenTtlSeconds} s.`,
      );
    };
    if (name === 'users list') {
      const query = options.get('--query');
      const rows: string[][] = [];
      for (let offset = 0; ; offset += 500) {
        const page = await users.listUsers({ ...(query ? { query } : {}), limit: 500, offset });
        rows.push(...page.map(userRow));
        if (page.length < 500) break;
      }
      if (rows.length === 0) {
        io.out('No accounts match.');
        return;
      }
      for (const line of formatTable(['ID', 'EMAIL', 'STATUS', 'ROLES', 'CREATED'], rows)) io.out(line);
      return;
    }
    const target = await findUser(store, operand ?? options.get('--user')!);
    if (name === 'users suspend') {
      const { sessionsRevoked } = await users.suspend(cliActor, target.id);
      io.out(`Suspended ${target.email} (${sessionsRevoked} session(s) signed out).`);
      revocationNote();
    } else if (name === 'users unsuspend') {
      await users.unsuspend(cliActor, target.id);
      io.out(`Unsuspended ${target.email}: it can sign in again.`);
    } else if (name === 'users delete') {
      const { sessionsRevoked } = await users.deleteUser(cliActor, target.id);
      io.out(`Deleted ${target.email} (${target.id}; ${sessionsRevoked} session(s) signed out).`);
      revocationNote();
    } else {
      const count = await users.revokeSessions(cliActor, target.id);
      io.out(`Signed out ${count} session(s) of ${target.email}.`);
      revocationNote();
    }
  });
}

/** `--user` of `audit`: an email names a current account; an id may also be that of a deleted one. */
async function resolveUserId(store: GatehouseStore, idOrEmail: string): Promise<string> {
  if (idOrEmail.includes('@')) return (await findUser(store, idOrEmail)).id;
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(idOrEmail)) throw new UsageError('--user is not an account id or email');
  return idOrEmail;
}

/**
 * Runs `users …`, `sessions revoke` and `audit` and returns the exit code: 0 ok, 1 failure (no
 * such account, store down), 2 usage error. Acts as the operator (`via: "cli"` in the audit log).
 */
export async function runAccountCommand(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const parsed = parse(argv);
    const { name, operand } = resolveCommand(parsed);
    const config = loadConfig(io.env, parsed.settings);
    await run(name, operand, parsed.options, config, io);
    return EXIT_OK;
  } catch (error) {
    return reportCliError(error, io);
  }
}
