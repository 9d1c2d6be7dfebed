import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { type ConfirmedWrites, writeConfirmed } from './replica-wait.ts';

export type RedisClient = Redis | Cluster;

/** A store script: keys first (all in one slot), then arguments. Resolves to the Lua reply. */
export type RedisScript = (keys: string[], args: Array<string | number>) => Promise<unknown>;

const SCRIPT_FILES = {
  createUser: 'create-user.lua',
  updateUser: 'update-user.lua',
  deleteUser: 'delete-user.lua',
  createSession: 'create-session.lua',
  touchSession: 'touch-session.lua',
  revokeSession: 'revoke-session.lua',
  revokeUserSessions: 'revoke-user-sessions.lua',
  listUserSessions: 'list-user-sessions.lua',
  deleteExpiredSessions: 'delete-expired-sessions.lua',
  issueRefreshToken: 'issue-refresh-token.lua',
  rotateRefreshToken: 'rotate-refresh-token.lua',
  sessionOfRefreshToken: 'session-of-refresh-token.lua',
  rotateSigningKey: 'rotate-signing-key.lua',
  removeSigningKey: 'remove-signing-key.lua',
  pruneSigningKeys: 'prune-signing-keys.lua',
  compareAndSet: 'compare-and-set.lua',
  deleteIfEquals: 'delete-if-equals.lua',
  createResetToken: 'create-reset-token.lua',
  consumeResetToken: 'consume-reset-token.lua',
  deleteResetToken: 'delete-reset-token.lua',
  deleteExpiredResetToken: 'delete-expired-reset-token.lua',
} as const;

export type RedisScripts = Record<keyof typeof SCRIPT_FILES, RedisScript>;

/**
 * The writes a failover must not undo once acknowledged: ending sessions, a refresh rotation (and
 * the reuse detection it may declare), account changes (suspension, password, roles), deletion, a
 * spent reset token, a revoked signing key. With confirmed writes configured, these wait for the
 * replicas; the rest (sign-ups, sign-ins, touches, housekeeping) do not.
 */
const CONFIRMED: ReadonlySet<keyof typeof SCRIPT_FILES> = new Set([
  'revokeSession',
  'revokeUserSessions',
  'rotateRefreshToken',
  'updateUser',
  'deleteUser',
  'consumeResetToken',
  'removeSigningKey',
] as const);

const readLua = (file: string) => readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');

// Read once at module load: a missing file fails at start-up, not on the first refresh.
const LIB = readLua('lib.lua');
const SOURCES = Object.fromEntries(
  Object.entries(SCRIPT_FILES).map(([name, file]) => [name, `${LIB}\n${readLua(file)}`]),
) as Record<keyof typeof SCRIPT_FILES, string>;

type Commands = Record<string, (...args: Array<string | number>) => Promise<unknown>>;

/**
 * Registers the store's Lua scripts on the client (ioredis sends EVALSHA and falls back to EVAL on
 * NOSCRIPT, per connection and per cluster node). Names carry a `gatehouse` prefix so they cannot
 * clash with the application's own commands; registering twice is harmless. With `confirmed`, the
 * writes a failover must not undo run on its connection and wait for its replicas.
 */
export function defineRedisScripts(client: RedisClient, confirmed?: ConfirmedWrites): RedisScripts {
  const commands = client as unknown as Commands;
  const scripts = {} as RedisScripts;
  for (const name of Object.keys(SCRIPT_FILES) as Array<keyof typeof SCRIPT_FILES>) {
    const command = `gatehouse_${name}`;
    // Each script declares no fixed key count: the caller passes it, so one helper serves all.
    client.defineCommand(command, { lua: SOURCES[name] });
    if (confirmed && CONFIRMED.has(name)) {
      confirmed.connection.defineCommand(command, { lua: SOURCES[name] });
      scripts[name] = async (keys, args) => {
        const [reply] = await writeConfirmed(confirmed, (pipeline) => {
          (pipeline as unknown as Commands)[command]!(keys.length, ...keys, ...args);
        });
        return reply;
      };
    } else {
      scripts[name] = (keys, args) => commands[command]!(keys.length, ...keys, ...args);
    }
  }
  return scripts;
}
