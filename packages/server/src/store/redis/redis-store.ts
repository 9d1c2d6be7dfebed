import type { GatehouseStore } from '@gatehouse/core';
import { Cluster } from 'ioredis';
import { connectWithin, createBoundedRedis, type RedisTarget } from '../../lib/bounded-redis.ts';
import { createRedisAuditStore } from './audit-store.ts';
import type { RedisStoreContext } from './context.ts';
import { createRedisKeyStore } from './key-store.ts';
import { createKeyLayout } from './key-layout.ts';
import { createRedisRefreshTokenStore } from './refresh-token-store.ts';
import { createRedisResetTokenStore } from './reset-token-store.ts';
import { type ConfirmedWrites, checkReplicaWait, type ReplicaWait } from './replica-wait.ts';
import { createRedisRevocationOutbox } from './revocation-outbox.ts';
import { createRouting } from './routing.ts';
import { defineRedisScripts, type RedisClient } from './scripts.ts';
import { createRedisSessionStore } from './session-store.ts';
import { createRedisUserStore } from './user-store.ts';

/**
 * `url`: a `redis://` or `rediss://` URL; the store opens (and on `close`, quits) its own
 * connection. With `cluster`, it names one node of a Redis Cluster; with `sentinels` (and their
 * `sentinelPassword`), its host is the master's name as they know it (`RedisTarget`).
 */
export interface RedisStoreOptions extends Partial<RedisTarget> {
  /** An existing connection, e.g. an ioredis `Cluster`. The caller keeps ownership: `close` leaves it open. */
  client?: RedisClient;
  /** Prepended to every key, so several deployments (or test runs) can share one Redis. Default `gatehouse:`. */
  keyPrefix?: string;
  /**
   * Revocation writes (ending sessions, refresh rotations, account changes, deletions, spent reset
   * tokens, revoked keys) are acknowledged only once this many replicas have them (Redis `WAIT`,
   * on a connection of the store's own), so a failover to one of them cannot undo them; past
   * `timeoutMs` the call fails with `ReplicaWaitError` (503) though the primary applied it. Unset:
   * no waiting, and a failover may lose the newest writes (docs/stores.md, "Durability").
   */
  waitForReplicas?: ReplicaWait;
}

const DEFAULT_PREFIX = 'gatehouse:';
/** How long past its own timeout a `WAIT` may take to answer before the command times out. */
const WAIT_MARGIN_MS = 3_000;

/**
 * The hot-path backend on Redis or Redis Cluster. Every atomic decision (refresh rotation, revoking a
 * session with its family, revoking all of a user's sessions, deleting a user) is one Lua script in
 * the user's hash slot; see docs/stores.md for the key layout. Sessions and refresh tokens also get
 * Redis TTLs, but only to collect garbage: expiry is always judged against the `now` passed in.
 * Redis keeps only what its persistence settings keep; prefer PostgreSQL as the durable store.
 *
 * @example
 * const store = await openRedisStore({ url: 'redis://127.0.0.1:6379' });
 * const clustered = await openRedisStore({ url: 'redis://10.0.0.1:6379', cluster: true });
 */
export async function openRedisStore(options: RedisStoreOptions): Promise<GatehouseStore> {
  const { url, client: given, keyPrefix = DEFAULT_PREFIX } = options;
  if ((url === undefined) === (given === undefined))
    throw new TypeError('redis: pass exactly one of url or client');
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url))) {
    throw new TypeError('redis: url must start with redis:// or rediss://');
  }
  if (typeof keyPrefix !== 'string') throw new TypeError('redis: keyPrefix must be a string');
  // ioredis would prefix KEYS but not the key names the scripts build from their arguments.
  if (given?.options.keyPrefix) throw new TypeError('redis: use the keyPrefix option, not the client’s');
  const keys = createKeyLayout(keyPrefix);
  const wait = options.waitForReplicas && checkReplicaWait(options.waitForReplicas);

  // Bounded (issue 10): a Redis that is down or partitioned fails a request with 503 within
  // seconds; commands are not queued behind a reconnect.
  const client =
    given ??
    // The options are a RedisTarget as they are: a field added to it reaches the client with no copy here.
    (await createBoundedRedis(
      { ...options, url: url!, cluster: options.cluster ?? false },
      { connectTimeout: 2_000, commandTimeout: 3_000 },
    ));
  // Failures reach callers through the rejected command (503); without a listener ioredis logs each one.
  if (!given) client.on('error', () => {});
  let confirmed: ConfirmedWrites | undefined;
  try {
    if (!given) await connectWithin(client);
    await client.ping();
    if (wait) confirmed = await openConfirmedWrites(client, wait);
  } catch (error) {
    if (!given) client.disconnect();
    throw error;
  }
  const context: RedisStoreContext = {
    client,
    keys,
    scripts: defineRedisScripts(client, confirmed),
    ...(confirmed ? { confirmed } : {}),
  };
  const routing = createRouting(context);
  const outbox = createRedisRevocationOutbox(context);
  // A write's audit event lives in the `{audit}` slot, not the write's: appended right after it.
  const audit = createRedisAuditStore(context);
  const refreshTokens = createRedisRefreshTokenStore(context, routing, outbox, audit);
  return {
    kind: 'redis',
    users: createRedisUserStore(context, routing, audit),
    sessions: createRedisSessionStore(context, routing, audit),
    refreshTokens,
    keys: createRedisKeyStore(context),
    audit,
    resetTokens: createRedisResetTokenStore(context, routing),
    revocationOutbox: outbox,
    async ping() {
      await client.ping();
    },
    async close() {
      confirmed?.connection.disconnect();
      if (given || client.status === 'end') return;
      // QUIT only on a ready connection: one that is reconnecting (Redis down, a failover under
      // way) queues nothing, so QUIT would throw and leave it reconnecting for ever.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

/**
 * A connection of the store's own for writes that wait for replicas (a given client stays the
 * caller's), whose command timeout outlasts the wait: `WAIT` answers by itself when it is over.
 */
async function openConfirmedWrites(client: RedisClient, wait: ReplicaWait): Promise<ConfirmedWrites> {
  const commandTimeout = wait.timeoutMs + WAIT_MARGIN_MS;
  const connection: RedisClient =
    client instanceof Cluster
      ? client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, commandTimeout } })
      : client.duplicate({ commandTimeout });
  connection.on('error', () => {});
  try {
    if (connection.status === 'wait') await connection.connect();
    await connection.ping();
  } catch (error) {
    connection.disconnect();
    throw error;
  }
  return { connection, wait };
}
