import {
  type Auth,
  createAccessTokens,
  createArgon2Hasher,
  createAuth,
  createCsrfTokens,
  limitHasher,
  systemClock,
  type GatehouseStore,
  type Keyring,
} from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { type AuditRetention, startAuditRetention } from './audit-retention.ts';
import { type ExpiredSweep, startExpiredSweep } from './expired-sweep.ts';
import { configWarnings, type GatehouseConfig } from './config.ts';
import { resolveSecrets } from './embedded-secrets.ts';
import { type AppLoggerOptions, buildApp } from './http/app.ts';
import { openRevocationFeed, type RevocationFeed } from './feed/open-revocation-feed.ts';
import { type KeyMaintenance, startKeyMaintenance } from './key-maintenance.ts';
import { publishDroppedKeys } from './key-revocation-events.ts';
import { createConfiguredMailer } from './mail/create-mailer.ts';
import type { OutboxMailer } from './mail/outbox-mailer.ts';
import { createGatehouseMetrics } from './metrics/gatehouse-metrics.ts';
import { instrumentAccessTokens } from './metrics/instrument-access-tokens.ts';
import { instrumentHasher } from './metrics/instrument-hasher.ts';
import { instrumentRevocationPublisher } from './metrics/instrument-revocation-publisher.ts';
import { acceptedAlgorithms, createConfiguredKeyring, prepareSigningKeys } from './signing-keys.ts';
import { openStore } from './store/open-store.ts';
import { type OpenedThrottles, openThrottles } from './throttle/open-throttles.ts';

export interface StartServerOptions {
  /** Default: pino at `config.logLevel` to stdout. */
  logger?: AppLoggerOptions | false;
  /** Where start-up notices (the first-admin hint) go. Default: stdout. */
  print?: (line: string) => void;
}

export interface RunningServer {
  app: FastifyInstance;
  store: GatehouseStore;
  keyring: Keyring;
  /** The core auth the routes use (its `hasher` is the bounded one: `admit` holds a hashing place). */
  auth: Auth;
  /** e.g. `http://127.0.0.1:3000` (the real port when `port` was 0). */
  url: string;
  /** With `GATEHOUSE_MAILER=outbox`: the mail kept in memory (reset links). Otherwise null. */
  outbox: OutboxMailer | null;
  /** Stops accepting connections, lets requests in flight finish, closes the store. */
  close(): Promise<void>;
}

/** True once any user holds the admin role. Scans in pages: it runs once, at start-up. */
async function hasAdmin(store: GatehouseStore): Promise<boolean> {
  const pageSize = 500;
  for (let offset = 0; ; offset += pageSize) {
    const users = await store.users.list({ limit: pageSize, offset });
    if (users.some((user) => user.roles.includes('admin'))) return true;
    if (users.length < pageSize) return false;
  }
}

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
  let app: FastifyInstance | undefined;
  let feed: RevocationFeed | undefined;
  let throttling: OpenedThrottles | undefined;
  try {
    feed = await openRevocationFeed(config, systemClock, (error) =>
      app?.log.warn({ err: error }, 'revocation feed'),
    );
    const revocations = feed;
    const secrets = await resolveSecrets(config);
    throttling = await openThrottles(config, {
      onError: (error) => app?.log.warn({ err: error }, 'throttle store unavailable: counting in memory'),
    });
    const { mailer, outbox } = createConfiguredMailer(config.mail);
    const metrics = createGatehouseMetrics({ settings: config.metrics, processMetrics: true });
    const auth = createAuth({
      store,
      // Bounded outside the timing: the duration metric measures hashing, not the wait for a slot.
      hasher: limitHasher(instrumentHasher(createArgon2Hasher(), metrics), {
        concurrency: config.passwordHashConcurrency,
        queue: config.passwordHashQueue,
        onRejected: (purpose) => metrics.passwordHashOverloads.inc({ flow: purpose }),
      }),
      revocations: instrumentRevocationPublisher(revocations.publisher, metrics),
      throttles: throttling.throttles,
      passwordReset: {
        mailer,
        linkPrefix: config.mail.resetUrl,
        onMailError: (error) => app?.log.error({ err: error }, 'password-reset mail failed'),
      },
      sessionPolicy: {
        idleTtlMs: config.sessionIdleTtlSeconds * 1000,
        absoluteTtlMs: config.sessionAbsoluteTtlSeconds * 1000,
        accessTokenTtlMs: config.accessTokenTtlSeconds * 1000,
        refreshGraceMs: config.refreshGraceSeconds * 1000,
      },
    });
    const keyring = createConfiguredKeyring(config, store.keys, secrets.keyEncryptionKey);
    // Before listening: a wrong key-encryption key stops the start here, not at the first login.
    await prepareSigningKeys(keyring, config.signingAlgorithm);
    const accessTokens = createAccessTokens({
      auth,
      keyring,
      issuer: config.issuer,
      audience: config.audience,
      algorithms: acceptedAlgorithms(config.signingAlgorithm),
      ttlSeconds: config.accessTokenTtlSeconds,
    });
    const built = buildApp({
      auth,
      csrf: createCsrfTokens(secrets.csrfSecret),
      accessTokens: instrumentAccessTokens(accessTokens, metrics),
      keyring,
      config,
      feed: revocations.source,
      logger: options.logger ?? { level: config.logLevel },
      metrics,
    });
    app = built;
    let maintenance: KeyMaintenance | undefined;
    let retention: AuditRetention | undefined;
    let sweep: ExpiredSweep | undefined;
    const openedThrottles = throttling;
    built.addHook('onClose', async () => {
      maintenance?.stop();
      retention?.stop();
      sweep?.stop();
      await revocations.close();
      await openedThrottles.close();
      await store.close();
    });
    for (const warning of configWarnings(config)) built.log.warn(warning);
    await built.listen({ host: config.host, port: config.port });
    maintenance = startKeyMaintenance({
      keyring: publishDroppedKeys(keyring, auth, config.accessTokenTtlSeconds * 1000),
      onError: (error) => built.log.error({ err: error }, 'signing-key maintenance failed'),
    });
    sweep = startExpiredSweep({
      store,
      clock: systemClock,
      onError: (error) => built.log.error({ err: error }, 'expired-record sweep failed'),
    });
    retention = startAuditRetention({
      audit: store.audit,
      log: auth.audit,
      retentionDays: config.auditRetentionDays,
      clock: auth.clock,
      onError: (error) => built.log.error({ err: error }, 'audit retention failed'),
    });
    const address = built.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;

    if (!(await hasAdmin(store))) {
      print('No admin account yet. Create the first one (same settings as this server) with:');
      print('  npm run gatehouse -- admin create --email you@example.com --password-stdin');
      print(
        'and type the password, or pipe it in; GATEHOUSE_ADMIN_PASSWORD works instead of --password-stdin.',
      );
    }
    return {
      app: built,
      store,
      keyring,
      auth,
      url: formatUrl(config.host, port),
      outbox,
      close: () => built.close(),
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
