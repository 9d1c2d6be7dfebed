/**
 * Issue 15: `gatehouse secrets generate` is all a shared-store deployment needs besides its
 * database. Its output, as printed, starts two instances on PostgreSQL and two on the Redis store;
 * the instances share sessions (the CSRF secret) and signing keys (the key-encryption key).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import {
  createTestSchemaName,
  dropTestSchema,
  testDatabaseUrl,
} from '../../packages/server/src/store/postgres/test-database.ts';
import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { createAuthClient } from './support/auth-client.ts';
import { type NodeProcess, spawnNode } from './support/node-process.ts';

const CLI = fileURLToPath(new URL('../../packages/server/src/cli.ts', import.meta.url));
const SERVE = fileURLToPath(new URL('./fixtures/serve-cli.ts', import.meta.url));
const run = promisify(execFile);

/** Runs the real CLI with only `env` (plus PATH); resolves with its exit code and output. */
async function cli(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** `secrets generate` as printed, read as an env file: `NAME=value` lines, `#` comments. */
async function generatedSecrets(): Promise<Record<string, string>> {
  const { code, stdout } = await cli(['secrets', 'generate'], {});
  assert.equal(code, 0);
  const env: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Z_]+)=(\S+)$/.exec(line);
    assert.ok(match, `an env-file line: ${line}`);
    env[match[1]!] = match[2]!;
  }
  return env;
}

/** One `gatehouse serve` process on a free port; resolves once its banner names the address. */
async function serve(
  name: string,
  env: Record<string, string>,
): Promise<{ process: NodeProcess; url: string }> {
  const child = spawnNode(name, SERVE, { ...env, PORT: '0', LOG_LEVEL: 'warn' });
  const url = await child.waitForLine(
    (line) => /Gatehouse listening on (http:\/\/\S+?);/.exec(line)?.[1],
    30_000,
  );
  return { process: child, url };
}

/** Two instances of one deployment share accounts, sessions, CSRF tokens and signing keys. */
async function assertOneDeployment(first: string, second: string, tag: string): Promise<void> {
  const a = createAuthClient(first);
  const b = createAuthClient(second);
  const email = `shared-${tag}@example.com`;
  await a.register(email);
  // A browser session from A: B knows it and accepts A's CSRF token (the same CSRF secret).
  const browser = await a.loginWithSession(email);
  const me = await fetch(`${second}/auth/me`, { headers: { cookie: `__Host-gh_session=${browser.cookie}` } });
  assert.equal(me.status, 200);
  await b.logout(browser);
  // An access token signed by B with the key A created (the same key-encryption key) passes at A.
  const token = await b.loginWithToken(email);
  const meAtA = await fetch(`${first}/auth/me`, {
    headers: { authorization: `Bearer ${token.accessToken}` },
  });
  assert.equal(meAtA.status, 200);
}

describe('secrets generate starts a shared-store deployment', { timeout: 180_000 }, () => {
  let secrets: Record<string, string>;
  const processes: NodeProcess[] = [];
  before(async () => {
    secrets = await generatedSecrets();
  });
  after(async () => {
    await Promise.all(processes.map((child) => child.stop()));
  });

  describe('PostgreSQL', () => {
    let schema: string;
    let databaseUrl: string;
    before(async () => {
      schema = createTestSchemaName();
      const client = new Client({ connectionString: testDatabaseUrl });
      await client.connect();
      await client.query(`CREATE SCHEMA ${client.escapeIdentifier(schema)}`);
      await client.end();
      const url = new URL(testDatabaseUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      databaseUrl = url.href;
    });
    after(async () => {
      await Promise.all(processes.splice(0).map((child) => child.stop()));
      await dropTestSchema(schema);
    });

    it('without the secrets, migrate names both missing ones at once and the command that makes them', async () => {
      const { code, stderr } = await cli(['migrate'], { DATABASE_URL: databaseUrl });
      assert.equal(code, 2);
      assert.match(stderr, /GATEHOUSE_CSRF_SECRET, GATEHOUSE_KEY_ENCRYPTION_KEY/);
      assert.match(stderr, /npm run gatehouse -- secrets generate/);
      assert.equal(stderr.trim().split('\n').length, 1, 'one line');
    });

    it('with them: migrate, then two instances that are one deployment', async () => {
      const env = { ...secrets, DATABASE_URL: databaseUrl };
      const migrated = await cli(['migrate'], env);
      assert.equal(migrated.code, 0, migrated.stderr);
      const first = await serve('pg-a', env);
      processes.push(first.process);
      const second = await serve('pg-b', env);
      processes.push(second.process);
      await assertOneDeployment(first.url, second.url, 'pg');
    });

    it('an instance with another key-encryption key refuses to start and says what to check', async () => {
      const other = await generatedSecrets();
      const { code, stderr } = await cli(['serve'], {
        ...secrets,
        GATEHOUSE_KEY_ENCRYPTION_KEY: other.GATEHOUSE_KEY_ENCRYPTION_KEY!,
        DATABASE_URL: databaseUrl,
        PORT: '0',
        LOG_LEVEL: 'warn',
      });
      assert.equal(code, 1);
      assert.match(stderr, /ERR_KEY_UNAVAILABLE/);
      assert.match(stderr, /Check that GATEHOUSE_KEY_ENCRYPTION_KEY is the value the other instances/);
      assert.ok(!stderr.includes(other.GATEHOUSE_KEY_ENCRYPTION_KEY!), 'the key itself is never printed');
    });
  });

  describe('Redis store', () => {
    let redis: TestRedisServer;
    before(async () => {
      redis = await startTestRedisServer();
    });
    after(async () => {
      await Promise.all(processes.splice(0).map((child) => child.stop()));
      await redis?.stop();
    });

    it('without the secrets, refuses to start instead of making per-machine ones', async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-secrets-'));
      try {
        const { code, stderr } = await cli(['migrate'], {
          GATEHOUSE_STORE: 'redis',
          REDIS_URL: redis.url,
          GATEHOUSE_DATA_DIR: dataDir,
        });
        assert.equal(code, 2);
        assert.match(stderr, /GATEHOUSE_STORE=redis.*GATEHOUSE_CSRF_SECRET, GATEHOUSE_KEY_ENCRYPTION_KEY/);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    });

    it('with them: two instances that are one deployment', async () => {
      const env = { ...secrets, GATEHOUSE_STORE: 'redis', REDIS_URL: redis.url };
      const first = await serve('redis-a', env);
      processes.push(first.process);
      const second = await serve('redis-b', env);
      processes.push(second.process);
      await assertOneDeployment(first.url, second.url, 'redis');
    });
  });
});
