import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type RunningServer, startServer } from '@gatehouse/server';
import { type AuthClient, createAuthClient } from './auth-client.ts';
import {
  startVerifierService,
  type VerifierService,
  type VerifierServiceOptions,
} from './verifier-service.ts';

/** The auth server's defaults: what every verifier must be configured with. */
export const ISSUER = 'http://localhost:3000';
export const AUDIENCE = 'gatehouse';

export interface AuthServer {
  server: RunningServer;
  client: AuthClient;
  /** Random per server; not configured on it when started with `serviceToken: false`. */
  serviceToken: string;
  /** What a verifier needs to trust this server (add name, feed and the rest). */
  verifierOptions: Pick<VerifierServiceOptions, 'authUrl' | 'issuer' | 'audience' | 'serviceToken'>;
  close(): Promise<void>;
}

export interface AuthServerOptions {
  /** The Redis Streams feed there; default: the in-process feed (verifiers follow its SSE stream). */
  redisUrl?: string;
  /** Default true: the server gets a service token (introspection on, feed private). */
  serviceToken?: boolean;
  /** More settings, as environment variables. */
  env?: Record<string, string>;
}

/**
 * A real auth server in this process, on 127.0.0.1 and a free port, with SQLite in a temporary
 * directory.
 */
export async function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const { redisUrl, serviceToken: withServiceToken = true } = options;
  const serviceToken = randomBytes(32).toString('base64url');
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-e2e-'));
  let server: RunningServer;
  try {
    const env = {
      ...(withServiceToken ? { GATEHOUSE_SERVICE_TOKEN: serviceToken } : {}),
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      ...options.env,
    };
    server = await startServer(
      loadConfig(env, ['--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0']),
      {
        logger: false,
        print: () => {},
      },
    );
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    server,
    client: createAuthClient(server.url),
    serviceToken,
    verifierOptions: { authUrl: server.url, issuer: ISSUER, audience: AUDIENCE, serviceToken },
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts every verifier service in parallel. If one fails to start, the others are stopped before
 * the error is thrown, so a failed `before` leaves nothing running.
 */
export async function startVerifierServices(all: VerifierServiceOptions[]): Promise<VerifierService[]> {
  const outcomes = await Promise.allSettled(all.map((options) => startVerifierService(options)));
  const started = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) {
    await Promise.allSettled(started.map((service) => service.stop()));
    throw failure.reason;
  }
  return started;
}

/**
 * Settings for a server whose every state lives on a Redis Cluster (`redisUrl` names one of its
 * nodes), with the secrets a shared store requires.
 */
export function redisClusterStore(redisUrl: string): Record<string, string> {
  return {
    GATEHOUSE_STORE: 'redis',
    REDIS_URL: redisUrl,
    GATEHOUSE_REDIS_CLUSTER: 'on',
    GATEHOUSE_CSRF_SECRET: randomBytes(32).toString('base64url'),
    GATEHOUSE_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  };
}

/** A fresh email for each account a test makes, so tests never share a user. */
export function uniqueEmail(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.com`;
}
