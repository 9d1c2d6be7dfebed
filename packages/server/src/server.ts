import {
  type Auth,
  createAccessTokens,
  createAuthFromDeps,
  createCsrfTokens,
  createDpopNonces,
  systemClock,
  type GatehouseStore,
  type Keyring,
  type PasswordHasher,
} from '@gatehouse/core';
import { hkdfSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type AuditRetention, startAuditRetention } from './audit-retention.ts';
import { type ExpiredSweep, startExpiredSweep } from './expired-sweep.ts';
import { configWarnings, type GatehouseConfig } from './config.ts';
import { resolveSecrets } from './embedded-secrets.ts';
import { type AppLoggerOptions, buildApp } from './http/app.ts';
import { followKeyEvents, type KeyEventFollower } from './feed/follow-key-events.ts';
import { openRevocationFeed, type RevocationFeed } from './feed/open-revocation-feed.ts';
import { type KeyMaintenance, startKeyMaintenance } from './key-maintenance.ts';
import { browserUrl, issuerPortWarning } from './listen-address.ts';
import { createServerLogger } from './log-format.ts';
import { createServerAuthDeps } from './server-auth.ts';
import { firstAdminHint, hasAdmin } from './first-admin-hint.ts';
import { publishDroppedKeys } from './key-revocation-events.ts';
import { createConfiguredMailer } from './mail/create-mailer.ts';
import type { OutboxMailer } from './mail/outbox-mailer.ts';
import { createGatehouseMetrics } from './metrics/gatehouse-metrics.ts';
import { instrumentAccessTokens } from './metrics/instrument-access-tokens.ts';
import { followStoredSigningKey, guardSigningKey } from './signing-key-guard.ts';
import { acceptedAlgorithms, createConfiguredKeyring, prepareSigningKeys } from './signing-keys.ts';
import { openStore } from './store/open-store.ts';
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

const REDIS_WITHOUT_PERSISTENCE =
  'GATEHOUSE_STORE=redis on a Redis with neither AOF nor RDB: a Redis restart loses every account, session, signing key and revocation (revoked tokens would be accepted again). Enable appendonly, or use PostgreSQL with Redis for the feed only.';

/** How long `close` waits for requests in flight before it cuts their connections. */
export const SHUTDOWN_DRAIN_MS = 5_000;

export { firstAdminHint } from './first-admin-hint.ts';

function formatUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
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
    const revocations = feed;
    const secrets = await resolveSecrets(config);
    throttling = await openThrottles(config, {
      onError: (error) => app?.log.warn({ err: error }, 'throttle store unavailable: counting in memory'),
    });
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
      createAccessTokens({
        auth,
        keyring,
        issuer: config.issuer,
        audience: config.audience,
        algorithms: acceptedAlgorithms(config.signingAlgorithm),
        ttlSeconds: config.accessTokenTtlSeconds,
      }),
      keyring,
      store.keys,
    );
    const built = buildApp({
      auth,
      authDeps,
      csrf: createCsrfTokens(secrets.csrfSecret),
      accessTokens: instrumentAccessTokens(accessTokens, metrics),
      keyring,
      config,
      feed: revocations.source,
      logger: options.logger ?? (await createServerLogger(config.logLevel)),
      metrics,
      ...(config.dpopNonce
        ? {
            // A key of its own, derived from the CSRF secret that every instance already shares.
            dpopNonces: createDpopNonces({
              secret: new Uint8Array(
                hkdfSync('sha256', secrets.csrfSecret, new Uint8Array(0), 'gatehouse/dpop-nonce/v1', 32),
              ),
            }),
          }
        : {}),
      closing: closing.signal,
      readiness: {
        shuttingDown: () => closing.signal.aborted,
        detail: () => ({
          feedPending: revocations.pending,
          ...(redisPersistence === null
            ? {}
            : {
                redisPersistence,
                ...(redisPersistence === 'none' ? { warning: REDIS_WITHOUT_PERSISTENCE } : {}),
              }),
        }),
      },
    });
    app = built;
    let maintenance: KeyMaintenance | undefined;
    let keyEvents: KeyEventFollower | undefined;
    let retention: AuditRetention | undefined;
    let sweep: ExpiredSweep | undefined;
    const openedThrottles = throttling;
    built.addHook('onClose', async () => {
      maintenance?.stop();
      keyEvents?.stop();
      retention?.stop();
      sweep?.stop();
      // Pending revocations are in the durable store already; give the feed a moment to take them.
      await revocations
        .flush(2_000)
        .catch((error: unknown) => built.log.warn({ err: error }, 'revocation feed'));
      await revocations.close();
      await openedThrottles.close();
      await store.close();
    });
    for (const warning of configWarnings(config)) built.log.warn(warning);
    if (redisPersistence === 'none') built.log.warn(REDIS_WITHOUT_PERSISTENCE);
    await built.listen({ host: config.host, port: config.port });
    maintenance = startKeyMaintenance({
      keyring: publishDroppedKeys(
        keyring,
        { auth, clock: authDeps.clock },
        config.accessTokenTtlSeconds * 1000,
      ),
      onError: (error) => built.log.error({ err: error }, 'signing-key maintenance failed'),
      followStore: () => followStoredSigningKey(keyring, store.keys),
      // With the Redis store, keys can vanish (Redis restarted empty): look every few seconds.
      ...(config.store === 'redis' ? { refreshEveryMs: 5_000 } : {}),
    });
    keyEvents = followKeyEvents(
      revocations.source,
      (kid) => {
        if (keyring.getVerificationKey(kid) === null) return;
        keyring
          .reload()
          .catch((error: unknown) => built.log.error({ err: error }, 'signing-key reload failed'));
      },
      (error) => built.log.debug({ err: error }, 'key-event follower reconnecting'),
    );
    sweep = startExpiredSweep({
      store,
      clock: systemClock,
      onError: (error) => built.log.error({ err: error }, 'expired-record sweep failed'),
    });
    retention = startAuditRetention({
      audit: store.audit,
      log: authDeps.audit,
      retentionDays: config.auditRetentionDays,
      clock: authDeps.clock,
      onError: (error) => built.log.error({ err: error }, 'audit retention failed'),
    });
    const address = built.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const portWarning = issuerPortWarning(config, port);
    if (portWarning) built.log.warn(portWarning);

    if (!(await hasAdmin(store))) for (const line of firstAdminHint(config)) print(line);
    let closed: Promise<void> | undefined;
    const close = () => {
      closed ??= (async () => {
        closing.abort();
        // Requests in flight finish; a client that holds its connection past the drain loses it.
        const cutOff = setTimeout(() => built.server.closeAllConnections(), SHUTDOWN_DRAIN_MS);
        cutOff.unref();
        try {
          await built.close();
        } finally {
          clearTimeout(cutOff);
        }
      })();
      return closed;
    };
    return {
      app: built,
      store,
      keyring,
      auth,
      hasher: authDeps.hasher,
      url: formatUrl(config.host, port),
      browserUrl: browserUrl(config, port),
      outbox,
      close,
      async shutdown({ readinessDelayMs = 0 } = {}) {
        closing.abort();
        if (readinessDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, readinessDelayMs));
        await close();
      },
    };
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
