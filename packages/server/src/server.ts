import {
  type Auth,
  type GatehouseStore,
  type Keyring,
  type PasswordHasher,
  systemClock,
} from '@gatehouse/core';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { DurabilityReading, DurabilityWatch } from './store/redis/durability-watch.ts';
import { type BackgroundJobs, startBackgroundJobs } from './jobs/background-jobs.ts';
import { configWarnings, type GatehouseConfig } from './config.ts';
import { resolveSecrets } from './embedded-secrets.ts';
import { openRevocationFeed, type RevocationFeed } from './feed/open-revocation-feed.ts';
import { firstAdminHint, hasAdmin } from './first-admin-hint.ts';
import { type AppLoggerOptions, buildApp } from './http/app.ts';
import { redisTargetOf } from './lib/bounded-redis.ts';
import { browserUrl, issuerPortWarning } from './listen-address.ts';
import { createServerLogger } from './log-format.ts';
import type { OutboxMailer } from './mail/outbox-mailer.ts';
import { createServerServices, type ServerServices } from './server-services.ts';
import { openStore } from './store/open-store.ts';
import { type OpenedThrottles, openThrottles } from './throttle/open-throttles.ts';

export { firstAdminHint } from './first-admin-hint.ts';

export interface StartServerOptions {
  /** Default: pino at `config.logLevel` to stdout, JSON lines, or readable lines on a terminal. */
  logger?: AppLoggerOptions | false;
  /** Where start-up notices (the first-admin hint) go. Default: stdout. */
  print?: (line: string) => void;
}

export interface RunningServer {
  app: FastifyInstance;
  store: GatehouseStore;
  keyring: Keyring;
  /** The core auth operations the routes use. */
  auth: Auth;
  /** The hasher `auth` uses: the bounded one (`admit` holds a hashing place). */
  hasher: PasswordHasher;
  /** e.g. `http://127.0.0.1:3000` (the real port when `port` was 0). */
  url: string;
  /** The address to open in a browser: the issuer, or `http://localhost:<port>/` by default. */
  browserUrl: string;
  /** With `GATEHOUSE_MAILER=outbox`: the mail kept in memory (reset links). Otherwise null. */
  outbox: OutboxMailer | null;
  /**
   * Ends the feed streams, stops accepting connections, lets requests in flight finish (cut off
   * after `SHUTDOWN_DRAIN_MS`), closes the store.
   */
  close(): Promise<void>;
  /**
   * A graceful stop, for SIGTERM: `/readyz` answers 503 and the feed streams end at once (their
   * verifiers reconnect to another instance); for `readinessDelayMs` the server still serves, so a
   * load balancer sees the 503 and stops routing here; then `close()`.
   */
  shutdown(options?: { readinessDelayMs?: number }): Promise<void>;
}

/** How long `close` waits for requests in flight before it cuts their connections. */
export const SHUTDOWN_DRAIN_MS = 5_000;

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A Redis store's Redis (persistence, replicas) and what to warn of, watched; null for the other stores. */
type RedisStoreDurability = DurabilityWatch | null;

/**
 * With the Redis store, Redis is the only copy of everything: without persistence a restart loses
 * every account, session, key and revocation, and with replicas not waited for a failover can undo
 * a revocation. Read at start-up and every 10 s after: said in the log when it changes, and in /readyz.
 */
async function watchDurability(
  config: GatehouseConfig,
  log: () => FastifyBaseLogger | undefined,
): Promise<RedisStoreDurability> {
  const redis = redisTargetOf(config);
  if (config.store !== 'redis' || !redis) return null;
  const { watchRedisDurability } = await import('./store/redis/durability-watch.ts');
  return watchRedisDurability(redis, config.redisWaitReplicas, {
    onChange: (now, before) => {
      log()?.warn(
        { redisReplicas: now.detail.replicas, was: before.detail.replicas },
        'redis store replicas',
      );
      for (const warning of now.warnings) log()?.warn(warning);
    },
  });
}

/** What `/readyz` says of a Redis store's Redis. */
function durabilityDetail({ detail, warnings }: DurabilityReading) {
  return {
    redisPersistence: detail.persistence,
    redisReplicas: detail.replicas,
    ...(warnings.length > 0 ? { warning: warnings.join(' ') } : {}),
  };
}

/**
 * The revocation feed, its problems reported to the app's log once there is one. A seed carries
 * the signing keys the store lost too, once the background jobs that know them run.
 */
function openFeed(
  config: GatehouseConfig,
  store: GatehouseStore,
  log: () => FastifyBaseLogger | undefined,
  jobs: () => BackgroundJobs | undefined,
): Promise<RevocationFeed> {
  return openRevocationFeed(
    config,
    systemClock,
    {
      onError: (error) => log()?.warn({ err: error }, 'revocation feed'),
      onReseed: (info) =>
        log()?.warn(
          info,
          'revocation feed lost data: seeded again from the durable store before resuming heartbeats',
        ),
      alsoSeed: async () => (await jobs()?.lostKeys()) ?? [],
    },
    store.revocations,
    store.revocationOutbox,
  );
}

interface ServerAppOptions {
  config: GatehouseConfig;
  services: ServerServices;
  feed: RevocationFeed;
  logger: AppLoggerOptions | false;
  closing: AbortSignal;
  redisDurability: RedisStoreDurability;
}

/** The HTTP app over the server's services, with its readiness detail. */
function buildServerApp(options: ServerAppOptions): FastifyInstance {
  const { config, services, feed, closing, redisDurability } = options;
  return buildApp({
    auth: services.auth,
    authDeps: services.authDeps,
    csrf: services.csrf,
    accessTokens: services.accessTokens,
    keyring: services.keyring,
    config,
    feed: feed.source,
    logger: options.logger,
    metrics: services.metrics,
    ...(services.dpopNonces ? { dpopNonces: services.dpopNonces } : {}),
    closing,
    readiness: {
      shuttingDown: () => closing.aborted,
      detail: () => ({
        feedPending: feed.pending,
        ...(redisDurability === null ? {} : durabilityDetail(redisDurability.current)),
      }),
    },
  });
}

/** The running server's handle: `close` drains requests in flight, `shutdown` fails readiness first. */
function runningServer(
  app: FastifyInstance,
  parts: Pick<RunningServer, 'store' | 'keyring' | 'auth' | 'hasher' | 'url' | 'browserUrl' | 'outbox'>,
  closing: AbortController,
): RunningServer {
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      closing.abort();
      // Requests in flight finish; a client that holds its connection past the drain loses it.
      const cutOff = setTimeout(() => {
        app.log.warn(`shutdown: connections still open after the ${SHUTDOWN_DRAIN_MS} ms drain were closed`);
        app.server.closeAllConnections();
      }, SHUTDOWN_DRAIN_MS);
      cutOff.unref();
      try {
        await app.close();
      } finally {
        clearTimeout(cutOff);
      }
    })();
    return closed;
  };
  return {
    app,
    ...parts,
    close,
    async shutdown({ readinessDelayMs = 0 } = {}) {
      closing.abort();
      if (readinessDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, readinessDelayMs));
      await close();
    },
  };
}

/**
 * Opens the configured store, builds the app and listens on `HOST:PORT`. Prints how to create the
 * first admin while there is none.
 *
 * @example
 * const server = await startServer(loadConfig(process.env, process.argv.slice(2)));
 * process.once('SIGTERM', () => server.close());
 */
export async function startServer(
  config: GatehouseConfig,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  let app: FastifyInstance | undefined;
  const store = await openStore(config, {
    onStoreThreadEnded: (error) =>
      app?.log.error({ err: error }, 'the SQLite store thread ended; the next store call starts a new one'),
  });
  const log = () => app?.log;
  const redisDurability = await watchDurability(config, log);
  let feed: RevocationFeed | undefined;
  let throttling: OpenedThrottles | undefined;
  const closing = new AbortController();
  let jobs: BackgroundJobs | undefined;
  try {
    feed = await openFeed(config, store, log, () => jobs);
    const revocations = feed;
    const secrets = await resolveSecrets(config);
    throttling = await openThrottles(config, {
      onError: (error) => app?.log.warn({ err: error }, 'throttle store unavailable: counting in memory'),
    });
    const openedThrottles = throttling;
    const services = await createServerServices({ config, store, feed, throttling, secrets, log });
    const logger = options.logger ?? (await createServerLogger(config.logLevel));
    const built = buildServerApp({
      config,
      services,
      feed,
      logger,
      closing: closing.signal,
      redisDurability,
    });
    app = built;
    built.addHook('onClose', async () => {
      jobs?.stop();
      redisDurability?.stop();
      // Pending revocations are in the durable store already; give the feed a moment to take them.
      await revocations
        .flush(2_000)
        .catch((error: unknown) => built.log.warn({ err: error }, 'revocation feed'));
      await revocations.close();
      await openedThrottles.close();
      await store.close();
      await services.closeHasher();
    });
    for (const warning of configWarnings(config)) built.log.warn(warning);
    for (const warning of redisDurability?.current.warnings ?? []) built.log.warn(warning);
    await built.listen({ host: config.host, port: config.port });
    const { auth, authDeps, keyring } = services;
    jobs = startBackgroundJobs({ config, store, keyring, auth, authDeps, feed, log: built.log });
    const address = built.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const portWarning = issuerPortWarning(config, port);
    if (portWarning) built.log.warn(portWarning);
    if (!(await hasAdmin(store))) for (const line of firstAdminHint(config)) print(line);
    const urls = { url: formatUrl(config.host, port), browserUrl: browserUrl(config, port) };
    const { hasher } = authDeps;
    return runningServer(built, { store, keyring, auth, hasher, ...urls, outbox: services.outbox }, closing);
  } catch (error) {
    // Closing the app closes the store (onClose hook); before the app exists, close it directly.
    if (app) await app.close();
    else {
      redisDurability?.stop();
      await feed?.close();
      await throttling?.close();
      await store.close();
    }
    throw error;
  }
}
