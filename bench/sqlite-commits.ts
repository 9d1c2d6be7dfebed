/**
 * How many SQLite commits each auth request makes, and how long it holds the event loop inside
 * node:sqlite (every call is synchronous), with GATEHOUSE_SQLITE_SYNC=normal and =full. A server in
 * this process on a fresh data dir; ROUNDS sequential requests of each kind. Not part of `npm run
 * bench` (docs/benchmarks.md, "SQLite commits and the event loop"):
 *
 *   flock /tmp/gh-bench.lock node bench/sqlite-commits.ts [rounds]
 *
 * Under `strace -f -e trace=fsync,fdatasync,newfstatat,statx` each phase starts with a stat of
 * `<data dir>/phase-<name>`, so the syncs of each phase can be counted from the trace.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, StatementSync } from 'node:sqlite';
import { loadConfig, startServer } from '../packages/server/src/index.ts';

const ROUNDS = Number(process.argv[2] ?? 30);
const PASSWORD = 'correct horse battery staple 42';
const meter = { ms: 0, commits: 0 };
const owner = new WeakMap<StatementSync, DatabaseSync>();

function timed<A extends unknown[], R>(
  original: (...args: A) => R,
  after?: (self: never, result: R) => void,
) {
  return function (this: never, ...args: A): R {
    const started = performance.now();
    try {
      const result = original.apply(this, args);
      after?.(this, result);
      return result;
    } finally {
      meter.ms += performance.now() - started;
    }
  };
}

const { exec, prepare } = DatabaseSync.prototype;
DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
  if (/^\s*COMMIT/i.test(sql)) meter.commits++;
  if (process.env.SHOW_COMMITS && /^\s*(BEGIN|COMMIT)/i.test(sql)) console.error(`  ${sql}`);
  return timed(exec).call(this as never, sql);
} as typeof exec;
DatabaseSync.prototype.prepare = function (this: DatabaseSync, sql: string) {
  const statement = prepare.call(this, sql);
  owner.set(statement, this);
  return statement;
} as typeof prepare;
const { run, get, all } = StatementSync.prototype;
StatementSync.prototype.run = timed(run, (statement: never, result) => {
  // A write outside BEGIN…COMMIT is a transaction (and a commit) of its own.
  if (!owner.get(statement)?.isTransaction && Number(result.changes) > 0) {
    meter.commits++;
    if (process.env.SHOW_COMMITS)
      console.error(`  autocommit: ${(statement as StatementSync).sourceSQL.trim().slice(0, 70)}`);
  }
}) as typeof run;
// A write with RETURNING read through get/all outside a transaction commits too (if it changed a row).
function countReturning(statement: StatementSync, changed: boolean) {
  if (!changed || owner.get(statement)?.isTransaction) return;
  if (!/^\s*(INSERT|UPDATE|DELETE)/i.test(statement.sourceSQL)) return;
  meter.commits++;
  if (process.env.SHOW_COMMITS) console.error(`  autocommit: ${statement.sourceSQL.trim().slice(0, 70)}`);
}
StatementSync.prototype.get = timed(get, (statement: never, row) =>
  countReturning(statement, row !== undefined),
) as typeof get;
StatementSync.prototype.all = timed(all, (statement: never, rows) =>
  countReturning(statement, rows.length > 0),
) as typeof all;

async function measure(sync: 'normal' | 'full') {
  const dataDir = await mkdtemp(join(tmpdir(), `gatehouse-sqlite-${sync}-`));
  const key = () => randomBytes(32).toString('base64url');
  const config = loadConfig(
    {
      GATEHOUSE_CSRF_SECRET: key(),
      GATEHOUSE_KEY_ENCRYPTION_KEY: key(),
      GATEHOUSE_SQLITE_SYNC: sync,
      // The statements on the event loop, where this process's patched node:sqlite can count them.
      GATEHOUSE_SQLITE_THREAD: 'off',
    },
    ['--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'silent'],
  );
  const server = await startServer(config, { logger: false, print: () => {} });
  const post = async (path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const rows: string[] = [];
  const emails = Array.from(
    { length: ROUNDS },
    (_, i) => `u${i}-${randomBytes(4).toString('hex')}@example.com`,
  );
  const tokens: { access: string; refresh: string }[] = [];
  async function phase(name: string, step: (i: number) => Promise<void>) {
    existsSync(join(dataDir, `phase-${sync}-${name}`)); // a marker in an strace of this process
    if (process.env.SHOW_COMMITS) console.error(`${sync} ${name}`);
    const before = { ...meter };
    const samples: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const start = meter.ms;
      await step(i);
      samples.push(meter.ms - start);
    }
    samples.sort((a, b) => a - b);
    const commits = (meter.commits - before.commits) / ROUNDS;
    const median = samples[Math.floor(ROUNDS / 2)]!;
    rows.push(
      `| ${sync} | ${name} | ${commits.toFixed(1)} | ${(median * 1000).toFixed(0)} | ${(samples.at(-1)! * 1000).toFixed(0)} |`,
    );
  }
  const expect = (status: number, wanted: number, what: string) => {
    if (status !== wanted) throw new Error(`${what}: ${status}`);
  };
  await phase('register', async (i) =>
    expect((await post('/auth/register', { email: emails[i], password: PASSWORD })).status, 202, 'register'),
  );
  await phase('login', async (i) => {
    const login = await post('/auth/login', { email: emails[i], password: PASSWORD, strategy: 'token' });
    expect(login.status, 200, 'login');
    tokens.push({ access: login.body.accessToken, refresh: login.body.refreshToken });
  });
  await phase('refresh', async (i) => {
    const refresh = await post('/auth/refresh', { refreshToken: tokens[i]!.refresh });
    expect(refresh.status, 200, 'refresh');
    tokens[i] = { access: refresh.body.accessToken, refresh: refresh.body.refreshToken };
  });
  await phase('logout', async (i) => {
    expect(
      (await post('/auth/logout', undefined, { authorization: `Bearer ${tokens[i]!.access}` })).status,
      204,
      'logout',
    );
  });
  existsSync(join(dataDir, `phase-${sync}-end`));
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
  return rows;
}

console.log(`| sync | request | commits per request | SQLite time per request, median µs | max µs |`);
console.log('|---|---|---|---|---|');
for (const sync of ['normal', 'full', 'normal', 'full'] as const)
  for (const row of await measure(sync)) console.log(row);
