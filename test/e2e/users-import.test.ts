/**
 * `gatehouse users import`, as a team moving to Gatehouse runs it: the real CLI (a process of its
 * own) reads accounts with the password hashes their old system made (Django, passlib, bcrypt,
 * Keycloak's credentials, better-auth: test-foreign-hashes.ts makes them with those systems'
 * own code), into a running server's store (SQLite, PostgreSQL, Redis). Each account then signs in
 * over HTTP with its old password, its hash becomes Argon2id at that first sign-in, and it signs in
 * again on the new hash; wrong passwords, a suspended account and unusable lines are refused, and
 * no line's hash appears in the command's output. And a PostgreSQL that stops answering (its
 * connections reset by a proxy) mid-import: the command stops at a line it names, what came before
 * stays, and running it again finishes the import.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultArgon2Params, type GatehouseStore } from '@gatehouse/core';
import { loadConfig, type RunningServer, startServer } from '@gatehouse/server';
import { openStore } from '../../packages/server/src/store/open-store.ts';
import { startTestRedisServer } from '../../packages/server/src/store/redis/test-redis-server.ts';
import { type ForeignHash, foreignHashes } from '../../packages/server/src/import/test-foreign-hashes.ts';
import { createFaultSchema, KEK, KEY } from '../faults/support.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';
import { waitFor } from './support/wait-for.ts';

const CLI = new URL('../../packages/server/src/cli.ts', import.meta.url).pathname;
const PASSWORDS = ['correct horse battery staple', 'crème brûlée au café ☕ 2024'];
const { memoryKiB, passes, parallelism } = defaultArgon2Params;
const SERVER_ARGON2 = `$argon2id$v=19$m=${memoryKiB},t=${passes},p=${parallelism}$`;

const backends: Record<string, () => Promise<{ env: Record<string, string>; close(): Promise<void> }>> = {
  SQLite: async () => ({ env: {}, close: async () => {} }),
  PostgreSQL: async () => {
    const database = await createFaultSchema();
    return { env: { DATABASE_URL: database.urlVia(5432) }, close: database.drop };
  },
  Redis: async () => {
    const redis = await startTestRedisServer();
    return { env: { GATEHOUSE_STORE: 'redis', REDIS_URL: redis.url }, close: () => redis.stop() };
  },
};

/** The import file: one account per foreign hash, then lines a careful import must refuse or skip. */
function importLines(made: ForeignHash[]): { lines: string[]; emails: string[] } {
  const emails = made.map((_, index) => `imported-${index}@Example.com`);
  const lines = made.map((hash, index) =>
    JSON.stringify({ email: emails[index], ...hash.fields, roles: index === 0 ? ['support'] : undefined }),
  );
  const bcrypt = made.find((hash) => hash.scheme === 'bcrypt')!.fields;
  lines.push(
    JSON.stringify({ email: 'suspended@example.com', ...bcrypt, enabled: false }), // Keycloak's disabled user
    JSON.stringify({ email: emails[1], ...bcrypt }), // a second line for an email: left as the first made it
    JSON.stringify({ email: 'md5@example.com', passwordHash: '5f4dcc3b5aa765d61d8327deb882cf99' }),
    '{"email": "broken@example.com", "passwordHash": ', // not JSON
    JSON.stringify({ email: 'not an email', ...bcrypt }),
    JSON.stringify({ email: 'roles@example.com', ...bcrypt, roles: ['Not A Role'] }),
    '',
  );
  return { lines, emails };
}

/** The real `gatehouse` command in a process of its own; `stdin`, when given, is piped to it. */
async function gatehouse(args: string[], env: Record<string, string>, stdin?: string) {
  const child = execFile(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let text = '';
    stream?.on('data', (chunk) => {
      text += String(chunk);
    });
    return () => text;
  };
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  child.stdin?.end(stdin ?? '');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout: stdout(), stderr: stderr() };
}

async function login(server: RunningServer, email: string, password: string): Promise<number> {
  const response = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, strategy: 'token' }),
  });
  await response.arrayBuffer();
  return response.status;
}

for (const [name, open] of Object.entries(backends)) {
  describe(`gatehouse users import, ${name} store`, { timeout: 120_000 }, () => {
    let backend: Awaited<ReturnType<(typeof backends)[string]>>;
    let dataDir: string;
    let env: Record<string, string>;
    let server: RunningServer;
    let store: GatehouseStore;
    let made: ForeignHash[];
    let file: string;
    let emails: string[];

    before(async () => {
      backend = await open();
      dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-import-'));
      env = {
        ...backend.env,
        GATEHOUSE_DATA_DIR: dataDir,
        GATEHOUSE_CSRF_SECRET: KEY,
        GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
      };
      const config = loadConfig(env, ['--host', '127.0.0.1', '--port', '0']);
      server = await startServer(config, { logger: false, print: () => {} });
      store = await openStore(config);
      made = await foreignHashes(PASSWORDS);
      const written = importLines(made);
      emails = written.emails;
      file = join(dataDir, 'users.jsonl');
      await writeFile(file, written.lines.join('\n'));
    });
    after(async () => {
      await store?.close();
      await server?.close();
      await rm(dataDir, { recursive: true, force: true });
      await backend?.close();
    });

    it('checks every line with --dry-run, writing nothing', async () => {
      // Piped in, as `jq … | gatehouse users import` does.
      const run = await gatehouse(['users', 'import', '--dry-run'], env, await readFile(file, 'utf8'));
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stdout,
        /^Would import 12 account\(s\) \(.*\); 1 already registered, left as they are; 4 refused\.$/m,
      );
      assert.equal(await store.users.count({}), 0);
    });

    it('imports each account with its hash, skips a repeated email and names each refused line without its content', async () => {
      const run = await gatehouse(['users', 'import', '--file', file], env);
      assert.equal(run.code, 1, 'lines were refused');
      assert.match(
        run.stdout,
        /^Imported 12 account\(s\) \(2 django-pbkdf2, 3 bcrypt, 4 pbkdf2, 2 argon2id, 1 better-auth-scrypt\); 1 already registered, left as they are; 4 refused\.$/m,
      );
      assert.deepEqual(run.stderr.trim().split('\n'), [
        'line 14: refused: password hash not recognised, or past its bounds',
        'line 15: refused: not a JSON object',
        'line 16: refused: invalid email',
        'line 17: refused: invalid roles',
      ]);
      for (const hash of made) {
        const text = 'passwordHash' in hash.fields ? hash.fields.passwordHash : JSON.stringify(hash.fields);
        assert.ok(
          !run.stdout.includes(text.slice(-20)) && !run.stderr.includes(text.slice(-20)),
          hash.source,
        );
      }
      assert.equal(await store.users.count({}), 12);
      const first = await store.users.getByEmail('imported-0@example.com');
      assert.deepEqual(first?.roles, ['support']);
      const audit = await store.audit.query({ type: 'user.imported', limit: 100 });
      assert.equal(audit.length, 12);
      assert.deepEqual(audit.find((event) => event.subjectId === first?.id)?.data, {
        scheme: made[0]!.scheme,
        via: 'cli',
      });

      const again = await gatehouse(['users', 'import', '--file', file], env);
      assert.match(
        again.stdout,
        /^Imported 0 account\(s\); 13 already registered, left as they are; 4 refused\.$/m,
      );
      assert.equal(await store.users.count({}), 12);
    });

    it('signs each account in with its old password over HTTP, then on the Argon2id hash that replaced it', async () => {
      for (const [index, hash] of made.entries()) {
        const email = emails[index]!;
        const before = (await store.users.getByEmail(email.toLowerCase()))!.passwordHash;
        assert.ok(!before.startsWith(SERVER_ARGON2), `${hash.source}: imported as it was`);
        assert.equal(await login(server, email, `${hash.password}x`), 401, `${hash.source}: wrong password`);
        assert.equal(await login(server, email, hash.password), 200, `${hash.source}: old password`);
        const after = (await store.users.getByEmail(email.toLowerCase()))!.passwordHash;
        assert.ok(after.startsWith(SERVER_ARGON2), `${hash.source}: rehashed at sign-in`);
        assert.equal(await login(server, email, hash.password), 200, `${hash.source}: on the new hash`);
      }
      const bcryptPassword = made.find((hash) => hash.scheme === 'bcrypt')!.password;
      assert.equal(await login(server, 'suspended@example.com', bcryptPassword), 401, 'suspended');
      const suspended = await store.users.getByEmail('suspended@example.com');
      assert.equal(suspended?.status, 'suspended');
    });
  });
}

describe('gatehouse users import, a database that stops answering mid-import', { timeout: 120_000 }, () => {
  let database: Awaited<ReturnType<typeof createFaultSchema>>;
  let proxy: TcpProxy;
  let store: GatehouseStore;
  let dataDir: string;

  before(async () => {
    database = await createFaultSchema();
    proxy = await startTcpProxy(5432);
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-import-cut-'));
    // Opened first (and straight to PostgreSQL): the schema is migrated before the command runs.
    store = await openStore(loadConfig(envFor(database.urlVia(5432)), []));
  });
  after(async () => {
    await store?.close();
    await proxy?.close();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  function envFor(databaseUrl: string): Record<string, string> {
    return { DATABASE_URL: databaseUrl, GATEHOUSE_CSRF_SECRET: KEY, GATEHOUSE_KEY_ENCRYPTION_KEY: KEK };
  }

  it('stops at the line it could not write, names it, keeps what came before, and a second run finishes', async () => {
    const [bcrypt] = (await foreignHashes(PASSWORDS)).filter((hash) => hash.scheme === 'bcrypt');
    const total = 3000;
    const file = join(dataDir, 'many.jsonl');
    const lines = Array.from({ length: total }, (_, index) =>
      JSON.stringify({ email: `many-${index}@example.com`, ...bcrypt!.fields }),
    );
    await writeFile(file, lines.join('\n'));
    const env = envFor(database.urlVia(proxy.port));

    const running = gatehouse(['users', 'import', '--file', file], env);
    await waitFor('the import to be under way', async () =>
      (await store.users.count({})) >= 100 ? true : undefined,
    );
    proxy.cut('reset');
    const cut = await running;
    proxy.restore();

    assert.equal(cut.code, 1, cut.stdout);
    const stopped = /^line (\d+): stopped here; the lines before it are done \(run again to go on\)$/m.exec(
      cut.stderr,
    );
    assert.ok(stopped, cut.stderr);
    const line = Number(stopped[1]);
    const written = await store.users.count({});
    // The line it stopped at may have committed before its answer was lost.
    assert.ok(written === line - 1 || written === line, `${written} written, stopped at line ${line}`);
    assert.ok(written < total, 'the cut came before the end');

    // Piped in this time: about 300 KB on stdin.
    const rerun = await gatehouse(['users', 'import'], env, await readFile(file, 'utf8'));
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(
      rerun.stdout.trim(),
      `Imported ${total - written} account(s) (${total - written} bcrypt); ${written} already registered, left as they are; 0 refused.`,
    );
    assert.equal(await store.users.count({}), total);
  });
});
