import {
  type Auth,
  type AuthDeps,
  createAccessTokens,
  createAuthFromDeps,
  createCsrfTokens,
  createDpopNonces,
  type DpopNonces,
  systemClock,
  type GatehouseStore,
  type Keyring,
  type PasswordHasher,
} from '@gatehouse/core';
import { hkdfSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { configWarnings, type GatehouseConfig } from './config.ts';
import { resolveSecrets, type ServerSecrets } from './embedded-secrets.ts';
import { type AppLoggerOptions, buildApp } from './http/app.ts';
import { openRevocationFeed, type RevocationFeed } from './feed/open-revocation-feed.ts';
import { browserUrl, issuerPortWarning } from './listen-address.ts';
import { createServerLogger } from './log-format.ts';
import { createServerAuthDeps } from './server-auth.ts';
import { type ServerJobs, startServerJobs } from './server-jobs.ts';
import { closerFor, REDIS_WITHOUT_PERSISTENCE, readinessOf } from './server-lifecycle.ts';
import { firstAdminHint, hasAdmin } from './first-admin-hint.ts';
import { createConfiguredMailer } from './mail/create-mailer.ts';
import type { OutboxMailer } from './mail/outbox-mailer.ts';
import { createGatehouseMetrics } from './metrics/gatehouse-metrics.ts';
import { instrumentAccessTokens } from './metrics/instrument-access-tokens.ts';
import { guardSigningKey } from './signing-key-guard.ts';
import { acceptedAlgorithms, createConfiguredKeyring, prepareSigningKeys } from './signing-keys.ts';
import { openStore } from './store/open-store.ts';
import type { RedisPersistence } from './store/redis/redis-persistence.ts';
import { type OpenedThrottles, openThrottles } from './throttle/open-throttles.ts';

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

export { SHUTDOWN_DRAIN_MS } from './server-lifecycle.ts';
export { firstAdminHint } from './first-admin-hint.ts';

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** How this server's access tokens are issued and checked. */
function accessTokenSettings(config: GatehouseConfig) {
  return {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: acceptedAlgorithms(config.signingAlgorithm),
    ttlSeconds: config.accessTokenTtlSeconds,
  };
}

/** DPoP nonces under a key of their own, derived from the CSRF secret every instance already shares. */
function dpopNoncesFor(csrfSecret: Uint8Array): DpopNonces {
  return createDpopNonces({
    secret: new Uint8Array(hkdfSync('sha256', csrfSecret, new Uint8Array(0), 'gatehouse/dpop-nonce/v1', 32)),
  });
}

/** What `startServer` opens before the app exists; the app's onClose hook closes them once it does. */
interface Opened {
  store: GatehouseStore;
  feed: RevocationFeed;
  throttling: OpenedThrottles;
  redisPersistence: RedisPersistence | null;
}

/** The app, with the auth and keyring it was built with; not listening yet. */
interface Assembled {
  app: FastifyInstance;
  auth: Auth;
  authDeps: AuthDeps;
  keyring: Keyring;
  outbox: OutboxMailer | null;
}

/** Metrics, auth, signing keys and access tokens over what was opened, and the app over them. */
async function assembleApp(
  config: GatehouseConfig,
  options: StartServerOptions,
  opened: Opened,
  secrets: ServerSecrets,
  closing: AbortController,
): Promise<Assembled> {
  const { store, feed: revocations, throttling } = opened;
  let app: FastifyInstance | undefined;
  const { mailer, outbox } = createConfiguredMailer(config.mail);
  const metrics = createGatehouseMetrics({
    settings: config.metrics,
    processMetrics: true,
    sharedCounters: throttling.counters,
  });
  const authDeps = createServerAuthDeps(config, {
    store,
    metrics,
    publisher: revocations.publisher,
    throttles: throttling.throttles,
    mailer,
    onMailError: (error) => app?.log.error({ err: error }, 'password-reset mail failed'),
  });
  const auth = createAuthFromDeps(authDeps);
  const keyring = createConfiguredKeyring(config, store.keys, secrets.keyEncryptionKey);
  // Before listening: a wrong key-encryption key stops the start here, not at the first login.
  await prepareSigningKeys(keyring, config.signingAlgorithm);
  const accessTokens = guardSigningKey(
    createAccessTokens({ auth, keyring, ...accessTokenSettings(config) }),
    keyring,
    store.keys,
  );
  app = buildApp({
    auth,
    authDeps,
    csrf: createCsrfTokens(secrets.csrfSecret),
    accessTokens: instrumentAccessTokens(accessTokens, metrics),
    keyring,
    config,
    feed: revocations.source,
    logger: options.logger ?? (await createServerLogger(config.logLevel)),
    metrics,
    ...(config.dpopNonce ? { dpopNonces: dpopNoncesFor(secrets.csrfSecret) } : {}),
    closing: closing.signal,
    readiness: readinessOf(closing.signal, revocations, opened.redisPersistence),
  });
  return { app, auth, authDeps, keyring, outbox };
}

/** Listens, starts the background jobs, prints the first-admin hint while there is no admin. */
async function listen(
  config: GatehouseConfig,
  options: StartServerOptions,
  opened: Opened,
  assembled: Assembled,
  closing: AbortController,
): Promise<RunningServer> {
  const { store, feed: revocations, throttling, redisPersistence } = opened;
  const { app: built, auth, authDeps, keyring } = assembled;
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  let jobs: ServerJobs | undefined;
  built.addHook('onClose', async () => {
    jobs?.stop();
    // Pending revocations are in the durable store already; give the feed a moment to take them.
    await revocations
      .flush(2_000)
      .catch((error: unknown) => built.log.warn({ err: error }, 'revocation feed'));
    await revocations.close();
    await throttling.close();
    await store.close();
  });
  for (const warning of configWarnings(config)) built.log.warn(warning);
  if (redisPersistence === 'none') built.log.warn(REDIS_WITHOUT_PERSISTENCE);
  await built.listen({ host: config.host, port: config.port });
  jobs = startServerJobs({
    config,
    store,
    keyring,
    auth,
    authDeps,
    feed: revocations.source,
    log: built.log,
  });
  const address = built.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const portWarning = issuerPortWarning(config, port);
  if (portWarning) built.log.warn(portWarning);

  if (!(await hasAdmin(store))) for (const line of firstAdminHint(config)) print(line);
  return {
    app: built,
    store,
    keyring,
    auth,
    hasher: authDeps.hasher,
    url: formatUrl(config.host, port),
    browserUrl: browserUrl(config, port),
    outbox: assembled.outbox,
    ...closerFor(built, closing),
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
  const store = await openStore(config);
  // With the Redis store, Redis is the only copy of everything: without persistence a restart
  // loses every account, session, key and revocation. Said at start-up and in /readyz.
  const redisPersistence =
    config.store === 'redis' && config.redisUrl
      ? await import('./store/redis/redis-persistence.ts').then(({ readRedisPersistence }) =>
          readRedisPersistence(config.redisUrl!),
        )
      : null;
  let app: FastifyInstance | undefined;
  let feed: RevocationFeed | undefined;
  let throttling: OpenedThrottles | undefined;
  const closing = new AbortController();
  try {
    feed = await openRevocationFeed(
      config,
      systemClock,
      {
        onError: (error) => app?.log.warn({ err: error }, 'revocation feed'),
        onReseed: (info) =>
          app?.log.warn(
            info,
            'revocation feed lost data: seeded again from the durable store before resuming heartbeats',
          ),
      },
      store.revocations,
    );
    const secrets = await resolveSecrets(config);
    throttling = await openThrottles(config, {
      onError: (error) => app?.log.warn({ err: error }, 'throttle store unavailable: counting in memory'),
    });
    const opened: Opened = { store, feed, throttling, redisPersistence };
    const assembled = await assembleApp(config, options, opened, secrets, closing);
    app = assembled.app;
    return await listen(config, options, opened, assembled, closing);
  } catch (error) {
    // Closing the app closes the store (onClose hook); before the app exists, close it directly.
    if (app) await app.close();
    else {
      await feed?.close();
      await throttling?.close();
      await store.close();
    }
    throw error;
  }
}
