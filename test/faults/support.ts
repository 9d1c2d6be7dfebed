import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type RunningServer, startServer } from '@gatehouse/server';
import { Client } from 'pg';
import {
  createTestSchemaName,
  dropTestSchema,
  testDatabaseUrl,
} from '../../packages/server/src/store/postgres/test-database.ts';
import { PASSWORD } from '../e2e/support/auth-client.ts';
import { type NodeProcess, spawnNode } from '../e2e/support/node-process.ts';

export const KEY = randomBytes(32).toString('base64url');
export const KEK = randomBytes(32).toString('base64url');

/** A schema of the test's own on the shared PostgreSQL; `urlVia(port)` reaches it through a proxy. */
export async function createFaultSchema() {
  const schema = createTestSchemaName();
  const client = new Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${client.escapeIdentifier(schema)}`);
  } finally {
    await client.end();
  }
  const base = new URL(testDatabaseUrl);
  return {
    schema,
    /** The test database through 127.0.0.1:`port`, every connection in `schema`. */
    urlVia(port: number): string {
      const url = new URL(base);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      url.searchParams.set('options', `-c search_path=${schema}`);
      return url.href;
    },
    drop: () => dropTestSchema(schema),
  };
}

export interface FaultServer {
  server: RunningServer;
  url: string;
  close(): Promise<void>;
}

/** A Gatehouse server in this process on 127.0.0.1:0 with the given env (secrets added). */
export async function startFaultServer(
  env: Record<string, string>,
  args: string[] = [],
): Promise<FaultServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-faults-'));
  const server = await startServer(
    loadConfig({ GATEHOUSE_CSRF_SECRET: KEY, GATEHOUSE_KEY_ENCRYPTION_KEY: KEK, ...env }, [
      ...['--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0'],
      ...args,
    ]),
    { logger: false, print: () => {} },
  ).catch(async (error) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    server,
    url: server.url,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const SERVE = fileURLToPath(new URL('./fixtures/serve.ts', import.meta.url));
const SERVE_WITH_CRASH_POINT = fileURLToPath(
  new URL('./fixtures/serve-with-crash-point.ts', import.meta.url),
);

/** Where a server started with `crashPoint` kills itself (SIGKILL): see fixtures/crash-point.ts. */
export type CrashPoint = 'after-reuse' | 'after-revocation-record';

/**
 * `gatehouse serve` in a child process over `dataDir` on 127.0.0.1 (port 0 unless `env` says),
 * with the fault secrets and `env` added; resolves with its URL once it listens. With
 * `crashPoint`, the process kills itself when it gets there.
 */
export async function spawnFaultServer(
  dataDir: string,
  env: Record<string, string> = {},
  crashPoint?: CrashPoint,
): Promise<{ process: NodeProcess; url: string }> {
  const script = crashPoint ? SERVE_WITH_CRASH_POINT : SERVE;
  const child = spawnNode('gatehouse serve', script, {
    ...(crashPoint ? { GATEHOUSE_FAULT_KILL: crashPoint } : {}),
    GATEHOUSE_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    GATEHOUSE_CSRF_SECRET: KEY,
    GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
    ...env,
  });
  try {
    const url = await child.waitForLine((line) => /Gatehouse listening on ([^\s;]+)/.exec(line)?.[1], 20_000);
    return { process: child, url };
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
}

export interface Timed {
  status: number;
  body: unknown;
  retryAfter: string | null;
  ms: number;
}

/** One JSON request with a generous client-side bound (the server must answer well within it). */
export async function timedRequest(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return {
    status: response.status,
    body,
    retryAfter: response.headers.get('retry-after'),
    ms: performance.now() - started,
  };
}

/** Registers `email` on `url` and logs it in with the token strategy; the tokens it got. */
export async function registerAndLogin(
  url: string,
  email: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const registered = await timedRequest(url, 'POST', '/auth/register', {
    body: { email, password: PASSWORD },
  });
  assert.equal(registered.status, 202);
  const login = await timedRequest(url, 'POST', '/auth/login', {
    body: { email, password: PASSWORD, strategy: 'token' },
  });
  assert.equal(login.status, 200);
  return login.body as { accessToken: string; refreshToken: string };
}

export { PASSWORD };
