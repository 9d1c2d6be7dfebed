import { type OAuthClient, parseClients } from '../oauth/clients.ts';
import { ConfigError } from './config-error.ts';
import {
  bearerToken,
  connectionUrl,
  hostPorts,
  integer,
  onOff,
  oneOf,
  parseHttpUrl,
  trimmed,
} from './parsers.ts';
import {
  SQLITE_SYNC_MODES,
  SQLITE_THREAD_SETTINGS,
  type SqliteSync,
  type SqliteThreadSetting,
} from '../store/sqlite/database.ts';
import { setting } from './setting.ts';
import { DEFAULT_REPLICA_WAIT_MS } from '../store/redis/replica-wait.ts';
import { DEFAULT_STREAM_LIMITS } from '../http/stream-admission.ts';

/**
 * The server's own settings, in `--help` order: one entry each, from which the config type, the
 * parser, `--help` and the docs table come. Mail and metrics keep theirs next to their code.
 */

function parseClientsSetting(text: string, name: string): OAuthClient[] {
  try {
    return parseClients(text);
  } catch (error) {
    throw new ConfigError(name, `${name} ${(error as Error).message}`);
  }
}

export const serverSettings = {
  host: setting({
    env: 'HOST',
    flag: '--host',
    description: 'Interface to listen on.',
    parse: (text, name) => {
      const host = text.trim();
      if (/\s/.test(host)) throw new ConfigError(name, `${name} must not contain whitespace`);
      return host;
    },
    fallback: '127.0.0.1',
  }),
  port: setting({
    env: 'PORT',
    flag: '--port',
    description: 'TCP port to listen on (0 picks a free one).',
    parse: integer(0, 65535),
    fallback: 3000,
  }),
  dataDir: setting({
    env: 'GATEHOUSE_DATA_DIR',
    flag: '--data-dir',
    description: 'Directory for the embedded SQLite database and generated secrets.',
    parse: trimmed,
    fallback: './data',
  }),
  issuer: setting({
    env: 'GATEHOUSE_ISSUER',
    flag: '--issuer',
    description:
      'Public base URL of this server; the `iss` of every token. Unset: http://localhost:<PORT>, and both localhost and 127.0.0.1 on that port may use the web UI.',
    defaultText: 'http://localhost:<PORT>',
    // Keep a path if one is given (served under a prefix), without a trailing slash.
    parse: (text, name) => parseHttpUrl(text, name).href.replace(/\/$/, ''),
    // Unset, the issuer follows the port (PORT=3100 means http://localhost:3100); PORT=0 (a free
    // port, in tests) keeps the :3000 default, since the real port is known only after listening.
    fallback: ({ port }) => `http://localhost:${port === 0 ? 3000 : port}`,
  }),
  audience: setting({
    env: 'GATEHOUSE_AUDIENCE',
    flag: '--audience',
    description: 'The `aud` of access tokens.',
    parse: trimmed,
    fallback: 'gatehouse',
  }),
  /** postgres://… or null for the embedded SQLite store. Holds a password: never log it. */
  databaseUrl: setting<string | null>({
    env: 'DATABASE_URL',
    flag: '--database-url',
    description: 'postgres://… connection string; unset uses SQLite in the data dir.',
    defaultText: '(unset)',
    secret: true,
    parse: connectionUrl(['postgres:', 'postgresql:']),
    fallback: null,
  }),
  /** Redis for the revocation feed (Streams) and, with `store: 'redis'`, all state. Holds a password: never log it. */
  redisUrl: setting<string | null>({
    env: 'REDIS_URL',
    flag: '--redis-url',
    description:
      'redis://… for the revocation feed (Redis Streams) and, with GATEHOUSE_STORE=redis, all state.',
    defaultText: '(unset)',
    secret: true,
    parse: connectionUrl(['redis:', 'rediss:']),
    fallback: null,
  }),
  /**
   * `on`: `redisUrl` names one node of a Redis Cluster; the server finds the others (CLUSTER SLOTS)
   * and sends each key to the node holding its slot, for the feed, the throttles and the Redis store.
   */
  redisCluster: setting({
    env: 'GATEHOUSE_REDIS_CLUSTER',
    flag: '--redis-cluster',
    description:
      'on: REDIS_URL names one node of a Redis Cluster (no database number), whose other nodes are found from it; the feed, the throttle counters and (with GATEHOUSE_STORE=redis) all state use the cluster, each key on the node holding its slot. off: REDIS_URL is one Redis (on or off).',
    defaultText: 'off',
    parse: onOff,
    fallback: false,
  }),
  /** More nodes of the cluster to start from: the server connects if any of them, or `redisUrl`'s, answers. */
  redisClusterNodes: setting<Array<{ host: string; port: number }> | null>({
    env: 'GATEHOUSE_REDIS_CLUSTER_NODES',
    flag: '--redis-cluster-nodes',
    description:
      "With GATEHOUSE_REDIS_CLUSTER=on: host:port of more cluster nodes, separated by commas, to start from besides REDIS_URL's, so that the server starts while that one node is down (REDIS_URL's user, password and TLS apply to them all).",
    defaultText: '(unset)',
    parse: hostPorts,
    fallback: null,
  }),
  /**
   * Redis Sentinels that know where the master is: then `redisUrl`'s host is the master's name as
   * they know it, and every connection follows a failover they make.
   */
  redisSentinels: setting<Array<{ host: string; port: number }> | null>({
    env: 'GATEHOUSE_REDIS_SENTINELS',
    flag: '--redis-sentinels',
    description:
      "host:port of Redis Sentinels, separated by commas: every connection asks them where the master is and follows its failovers. REDIS_URL's host is then the master's name as the Sentinels know it (redis://:password@mymaster); its user, password and database apply to the master.",
    defaultText: '(unset)',
    parse: hostPorts,
    fallback: null,
  }),
  /** The Sentinels' own password (`requirepass` in their config), when they ask for one. */
  redisSentinelPassword: setting<string | null>({
    env: 'GATEHOUSE_REDIS_SENTINEL_PASSWORD',
    flag: '--redis-sentinel-password',
    description:
      "The password the Redis Sentinels ask for (their requirepass), when they ask for one; the master's own is REDIS_URL's.",
    defaultText: '(unset)',
    secret: true,
    parse: trimmed,
    fallback: null,
  }),
  /** `sql`: PostgreSQL when `databaseUrl` is set, else SQLite. `redis`: everything in Redis (needs `redisUrl`). */
  store: setting<'sql' | 'redis'>({
    env: 'GATEHOUSE_STORE',
    flag: '--store',
    description:
      'sql (PostgreSQL when DATABASE_URL is set, else SQLite) or redis (all state in REDIS_URL; durable only if Redis persists).',
    parse: oneOf(['sql', 'redis'], 'sql or redis'),
    fallback: 'sql',
  }),
  /**
   * With `store: 'redis'`: how many replicas must confirm a revocation write (Redis `WAIT`) before
   * it is acknowledged; 0 does not wait. See docs/stores.md, "Durability".
   */
  redisWaitReplicas: setting({
    env: 'GATEHOUSE_REDIS_WAIT_REPLICAS',
    flag: '--redis-wait-replicas',
    description:
      'With GATEHOUSE_STORE=redis: revocation writes (sign-outs, refresh rotations, suspensions, password changes, deletions, spent reset tokens, revoked keys) are acknowledged only once this many replicas have them (Redis WAIT), so a failover cannot undo them; if they do not confirm within GATEHOUSE_REDIS_WAIT_MS, the request answers 503 + Retry-After (the primary applied the write, a failover may still undo it; retrying is safe). 0: no waiting (0-16). See docs/stores.md.',
    parse: integer(0, 16),
    fallback: 0,
  }),
  /** How long a revocation write waits for `redisWaitReplicas` before it answers 503. */
  redisWaitMs: setting({
    env: 'GATEHOUSE_REDIS_WAIT_MS',
    flag: '--redis-wait-ms',
    description:
      'How long a revocation write waits for GATEHOUSE_REDIS_WAIT_REPLICAS replicas before the request answers 503 (1-60000).',
    parse: integer(1, 60_000),
    fallback: DEFAULT_REPLICA_WAIT_MS,
  }),
  /**
   * When a commit to the embedded SQLite file returns: `normal` (WAL written to the OS, synced at
   * checkpoints) or `full` (the WAL synced on every commit, blocking the event loop for the fsync).
   */
  sqliteSync: setting<SqliteSync>({
    env: 'GATEHOUSE_SQLITE_SYNC',
    flag: '--sqlite-sync',
    description:
      'SQLite commits: normal (survives a process crash or kill -9; an OS crash or power loss may undo the last commits) or full (fsync on every commit, which blocks the event loop). See docs/stores.md.',
    parse: oneOf(SQLITE_SYNC_MODES, 'normal or full'),
    fallback: 'normal',
  }),
  /**
   * Where the embedded SQLite store runs its statements: on a thread of its own (`on`), on the event
   * loop (`off`), or `auto`: on the thread under `full` (where every commit's fsync would hold the
   * event loop), on the event loop under `normal` (where a round trip to the thread costs a request
   * more than the commit does). See docs/stores.md.
   */
  sqliteThread: setting<SqliteThreadSetting>({
    env: 'GATEHOUSE_SQLITE_THREAD',
    flag: '--sqlite-thread',
    description:
      'Where the embedded SQLite store runs its statements: on (a thread of its own: no commit, fsync or lock wait holds the event loop), off (the event loop), or auto (on with GATEHOUSE_SQLITE_SYNC=full, off with normal). See docs/stores.md.',
    parse: oneOf(SQLITE_THREAD_SETTINGS, 'auto, on or off'),
    fallback: 'auto',
  }),
  /**
   * Bearer credential services present to `POST /oauth/introspect` and, when set, to the
   * revocation feed. Null: introspection is off and the feed is public (it carries only opaque ids).
   */
  serviceToken: setting<string | null>({
    env: 'GATEHOUSE_SERVICE_TOKEN',
    flag: '--service-token',
    description:
      'Bearer token (>= 32 characters) services use for POST /oauth/introspect and the revocation feed; unset: introspection off, feed public.',
    defaultText: '(unset)',
    secret: true,
    parse: bearerToken,
    fallback: null,
  }),
  feedMaxStreams: setting({
    env: 'GATEHOUSE_FEED_MAX_STREAMS',
    flag: '--feed-max-streams',
    description:
      'Revocation streams (GET /revocations/stream) this server holds open at once; past it a new one is answered 503 with Retry-After (1-1000000).',
    parse: integer(1, 1_000_000),
    fallback: DEFAULT_STREAM_LIMITS.maxStreams,
  }),
  feedMaxStreamsPerAddress: setting({
    env: 'GATEHOUSE_FEED_MAX_STREAMS_PER_ADDRESS',
    flag: '--feed-max-streams-per-address',
    description:
      'Revocation streams one client address (an IPv6 /64) may hold open at once while the feed is public (no GATEHOUSE_SERVICE_TOKEN); past it 429 with Retry-After (1-1000000).',
    parse: integer(1, 1_000_000),
    fallback: DEFAULT_STREAM_LIMITS.maxPerAddress,
  }),
  /** Registered OAuth clients besides the default one (`GATEHOUSE_CLIENTS`). */
  clients: setting<OAuthClient[]>({
    env: 'GATEHOUSE_CLIENTS',
    flag: '--clients',
    description:
      'Registered public OAuth clients, JSON: [{"id","name","strategies":["token"],"requireDpop":false}]. The client "gatehouse" always exists and serves requests that name none.',
    defaultText: '(only "gatehouse")',
    parse: parseClientsSetting,
    fallback: () => [],
  }),
  /** Every DPoP proof must carry a server nonce (RFC 9449 §8, §9). */
  dpopNonce: setting({
    env: 'GATEHOUSE_DPOP_NONCE',
    flag: '--dpop-nonce',
    description:
      'on: every DPoP proof must carry a server nonce (DPoP-Nonce), derived from the CSRF secret so that instances sharing it agree.',
    defaultText: 'off',
    parse: onOff,
    fallback: false,
  }),
};

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Last in `--help`, after the mail and metrics settings. */
export const logSettings = {
  logLevel: setting<LogLevel>({
    env: 'LOG_LEVEL',
    flag: '--log-level',
    description: `Log level: ${LOG_LEVELS.join(', ')}.`,
    parse: oneOf(LOG_LEVELS, `one of ${LOG_LEVELS.join(', ')}`),
    fallback: 'info',
  }),
};
