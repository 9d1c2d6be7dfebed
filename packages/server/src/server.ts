import {
  createAccessTokens,
  createAuth,
  createCsrfTokens,
  systemClock,
  type GatehouseStore,
  type Keyring,
} from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { configWarnings, type GatehouseConfig } from './config.ts';
import { resolveSecrets } from './embedded-secrets.ts';
import { type AppLoggerOptions, buildApp } from './http/app.ts';
import { openRevocationFeed, type RevocationFeed } from './feed/open-revocation-feed.ts';
import { type KeyMaintenance, startKeyMaintenance } from './key-maintenance.ts';
import { publishDroppedKeys } from './key-revocation-events.ts';
import { acceptedAlgorithms, createConfiguredKeyring, prepareSigningKeys } from './signing-keys.ts';
import { openStore } from './store/open-store.ts';

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
  /** e.g. `http://127.0.0.1:3000` (the real port when `port` was 0). */
  url: string;
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
  try {
    feed = await openRevocationFeed(config, systemClock, (error) =>
      app?.log.warn({ err: error }, 'revocation feed'),
    );
    const revocations = feed;
    const secrets = await resolveSecrets(config);
    const auth = createAuth({
      store,
      revocations: revocations.publisher,
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
      accessTokens,
      keyring,
      config,
      feed: revocations.source,
      logger: options.logger ?? { level: config.logLevel },
    });
    app = built;
    let maintenance: KeyMaintenance | undefined;
    built.addHook('onClose', async () => {
      maintenance?.stop();
      await revocations.close();
      await store.close();
    });
    for (const warning of configWarnings(config)) built.log.warn(warning);
    await built.listen({ host: config.host, port: config.port });
    maintenance = startKeyMaintenance({
      keyring: publishDroppedKeys(keyring, auth, config.accessTokenTtlSeconds * 1000),
      onError: (error) => built.log.error({ err: error }, 'signing-key maintenance failed'),
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
    return { app: built, store, keyring, url: formatUrl(config.host, port), close: () => built.close() };
  } catch (error) {
    // Closing the app closes the store (onClose hook); before the app exists, close it directly.
    if (app) await app.close();
    else {
      await feed?.close();
      await store.close();
    }
    throw error;
  }
}
