/**
 * `gatehouse users export` then `users import`: a deployment that grew out of the embedded SQLite
 * store moves its accounts to PostgreSQL with the real CLI, and every account signs in on the new
 * server with its password, its id (the `sub` services keyed their data on), roles, status and
 * creation time as they were, an Argon2id account as well as one imported earlier from bcrypt and
 * not yet signed in.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { GatehouseStore, UserRecord } from '@gatehouse/core';
import { loadConfig, type RunningServer, startServer } from '@gatehouse/server';
import { TEST_PASSWORD } from '@gatehouse/server/testing/client';
import { openStore } from '../../packages/server/src/store/open-store.ts';
import { createFaultSchema, KEK, KEY } from '../faults/support.ts';

const CLI = new URL('../../packages/server/src/cli.ts', import.meta.url).pathname;
/** bcrypt (cost 4) of TEST_PASSWORD, made by Python's bcrypt: an account imported, not yet signed in. */
const BCRYPT_OF_TEST_PASSWORD = '$2b$04$t0SACQsQee4gjYSxWJ3MPeorEPNy.s8IZzQdHKmpffStcaOjYupb6';

async function gatehouse(args: string[], env: Record<string, string>) {
  try {
    const run = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { code: 0, ...run };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

interface Deployment {
  env: Record<string, string>;
  server: RunningServer;
  store: GatehouseStore;
  close(): Promise<void>;
}

async function startDeployment(env: Record<string, string>): Promise<Deployment> {
  const config = loadConfig(env, ['--host', '127.0.0.1', '--port', '0']);
  const server = await startServer(config, { logger: false, print: () => {} });
  const store = await openStore(config);
  return {
    env,
    server,
    store,
    async close() {
      await store.close();
      await server.close();
    },
  };
}

async function post(server: RunningServer, path: string, body: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('gatehouse users export, then import: from the embedded SQLite store to PostgreSQL', {
  timeout: 120_000,
}, () => {
  let dir: string;
  let sqlite: Deployment;
  let postgres: Deployment;
  let database: Awaited<ReturnType<typeof createFaultSchema>>;
  let file: string;
  const emails = ['kept@example.com', 'suspended@example.com', 'from-bcrypt@example.com'];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gatehouse-export-'));
    sqlite = await startDeployment({ GATEHOUSE_DATA_DIR: join(dir, 'data') });
    database = await createFaultSchema();
    file = join(dir, 'accounts.jsonl');
  });
  after(async () => {
    await postgres?.close();
    await sqlite?.close();
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes every account to a new file only its owner can read, and never over an existing one', async () => {
    for (const email of emails.slice(0, 2))
      assert.equal(
        (await post(sqlite.server, '/auth/register', { email, password: TEST_PASSWORD })).status,
        202,
      );
    const imported = join(dir, 'old-system.jsonl');
    await writeFile(
      imported,
      JSON.stringify({
        email: emails[2],
        passwordHash: BCRYPT_OF_TEST_PASSWORD,
        roles: ['support'],
        createdAt: '2021-03-04T05:06:07.000Z',
      }),
    );
    assert.equal((await gatehouse(['users', 'import', '--file', imported], sqlite.env)).code, 0);
    assert.equal((await gatehouse(['users', 'suspend', emails[1]!], sqlite.env)).code, 0);

    const run = await gatehouse(['users', 'export', '--file', file], sqlite.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr.trim(), 'Exported 3 account(s).');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => line.email).sort(), [...emails].sort());
    const [audit] = await sqlite.store.audit.query({ type: 'users.exported', limit: 10 });
    assert.deepEqual(audit?.data, { count: 3, via: 'cli' });

    const again = await gatehouse(['users', 'export', '--file', file], sqlite.env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /exists; choose a new file/);
    assert.equal((await readFile(file, 'utf8')).trim().split('\n').length, 3, 'the first export is intact');
  });

  it('imports them into PostgreSQL, where each signs in as the same account', async () => {
    const before = new Map<string, UserRecord>();
    for (const email of emails) before.set(email, (await sqlite.store.users.getByEmail(email))!);
    const env = {
      DATABASE_URL: database.urlVia(5432),
      GATEHOUSE_CSRF_SECRET: KEY,
      GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
    };
    const run = await gatehouse(['users', 'import', '--file', file], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^Imported 3 account\(s\) \((?=.*2 argon2id)(?=.*1 bcrypt).*\); 0 already registered/m,
    );
    postgres = await startDeployment(env);

    for (const email of emails) {
      const old = before.get(email)!;
      const moved = (await postgres.store.users.getByEmail(email))!;
      assert.deepEqual(
        [moved.id, moved.roles, moved.status, moved.createdAt],
        [old.id, old.roles, old.status, old.createdAt],
        email,
      );
      const login = await post(postgres.server, '/auth/login', {
        email,
        password: TEST_PASSWORD,
        strategy: 'token',
      });
      if (old.status === 'suspended') {
        assert.equal(login.status, 401, email);
        continue;
      }
      assert.equal(login.status, 200, email);
      assert.equal((login.body['user'] as { id: string }).id, old.id, `${email}: the same sub`);
    }
    assert.equal(before.get(emails[2]!)!.createdAt, Date.parse('2021-03-04T05:06:07.000Z'));
    assert.equal(
      (await postgres.store.users.getByEmail(emails[2]!))!.passwordHash.startsWith('$argon2id$'),
      true,
    );
  });
});
