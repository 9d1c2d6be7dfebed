import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  createAuth,
  createCsrfTokens,
  fromBase64Url,
  type GatehouseStore,
  toBase64Url,
} from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import type { GatehouseConfig } from './config.ts';
import { type AppLoggerOptions, buildApp } from './http/app.ts';
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
  /** e.g. `http://127.0.0.1:3000` (the real port when `port` was 0). */
  url: string;
  /** Stops accepting connections, lets requests in flight finish, closes the store. */
  close(): Promise<void>;
}

/** Secrets generated on first start in embedded mode, kept in `<dataDir>/secrets.json` (mode 0600). */
interface EmbeddedSecrets {
  csrfSecret: string;
}

const SECRETS_FILE = 'secrets.json';

function decodeKey(text: unknown): Uint8Array | null {
  if (typeof text !== 'string') return null;
  const bytes = fromBase64Url(text);
  return bytes && bytes.byteLength >= 32 ? new Uint8Array(bytes) : null;
}

/**
 * Loads the embedded-mode secrets, creating them once. Refuses a secrets file other users can read,
 * as OpenSSH does with private keys, rather than silently keep using an exposed key.
 */
export async function loadEmbeddedSecrets(dataDir: string): Promise<{ csrfSecret: Uint8Array }> {
  const path = join(dataDir, SECRETS_FILE);
  const fresh: EmbeddedSecrets = { csrfSecret: toBase64Url(randomBytes(32)) };
  try {
    // `wx`: never overwrite; if two processes race, the loser reads the winner's file below.
    await writeFile(path, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (process.platform !== 'win32' && ((await stat(path)).mode & 0o077) !== 0) {
    throw new Error(`${path} is readable by other users; run: chmod 600 ${path}`);
  }
  let stored: Partial<EmbeddedSecrets>;
  try {
    stored = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new Error(`${path} is not valid JSON; delete it to generate new secrets (this signs everyone out)`);
  }
  const csrfSecret = decodeKey(stored.csrfSecret);
  if (!csrfSecret) throw new Error(`${path}: csrfSecret must be base64url encoding at least 32 bytes`);
  return { csrfSecret };
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
  try {
    const csrfSecret = config.csrfSecret ?? (await loadEmbeddedSecrets(config.dataDir)).csrfSecret;
    const auth = createAuth({
      store,
      sessionPolicy: {
        idleTtlMs: config.sessionIdleTtlSeconds * 1000,
        absoluteTtlMs: config.sessionAbsoluteTtlSeconds * 1000,
        accessTokenTtlMs: config.accessTokenTtlSeconds * 1000,
      },
    });
    app = buildApp({
      auth,
      csrf: createCsrfTokens(csrfSecret),
      config,
      logger: options.logger ?? { level: config.logLevel },
    });
    app.addHook('onClose', async () => store.close());
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;

    if (!(await hasAdmin(store))) {
      print('No admin account yet. Create the first one (same settings as this server) with:');
      print('  npm run gatehouse -- admin create --email you@example.com --password-stdin');
      print(
        'and type the password, or pipe it in; GATEHOUSE_ADMIN_PASSWORD works instead of --password-stdin.',
      );
    }
    const running = app;
    return { app: running, store, url: formatUrl(config.host, port), close: () => running.close() };
  } catch (error) {
    // Closing the app closes the store (onClose hook); before the app exists, close it directly.
    await (app ? app.close() : store.close());
    throw error;
  }
}
