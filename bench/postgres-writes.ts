/**
 * What each auth operation costs the PostgreSQL store: round trips (statements sent, BEGIN and
 * COMMIT included), transactions, and the wall time of the operation, median and p90 over ROUNDS
 * sequential calls. The core's operations (createAuth) over `openPostgresStore` in a schema of its
 * own, an instant hasher, revocations recorded in the store as the server's publisher records them.
 * Not part of `npm run bench` (docs/benchmarks.md, "A write and its audit event in one commit"):
 *
 *   flock /tmp/gh-bench.lock npx node bench/postgres-writes.ts [rounds]
 *
 * BENCH_DATABASE_URL as for `npm run bench` (default postgres://postgres@127.0.0.1:5432/test).
 */
import { randomBytes } from 'node:crypto';
import { createAuth } from '@gatehouse/core';
import { createFastHasher } from '@gatehouse/core/testing';
import pg from 'pg';
import { openPostgresStore } from '../packages/server/src/store/postgres/postgres-store.ts';

const ROUNDS = Number(process.argv[2] ?? 100);
const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `gh_bench_writes_${randomBytes(4).toString('hex')}`;
const PASSWORD = 'correct horse battery staple 42';

const meter = { statements: 0, transactions: 0 };
const { query } = pg.Client.prototype;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
  meter.statements++;
  if (text !== undefined && /^\s*COMMIT/i.test(text)) meter.transactions++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

const store = await openPostgresStore({ connectionString: url, schema, poolSize: 4 });
const auth = createAuth({
  store,
  hasher: createFastHasher(),
  // As the server's publisher: the durable row first (docs/design.md §5), then the feed.
  revocations: { publish: (events) => store.revocations!.record(events, Date.now()) },
});

const rows: string[] = [];
async function phase(name: string, step: (index: number) => Promise<void>) {
  const before = { ...meter };
  const samples: number[] = [];
  for (let index = 0; index < ROUNDS; index++) {
    const started = performance.now();
    await step(index);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const per = (value: number) => (value / ROUNDS).toFixed(1);
  // An autocommit statement is a transaction too: those that wrote are counted from the statements.
  rows.push(
    `| ${name} | ${per(meter.statements - before.statements)} | ${per(meter.transactions - before.transactions)} | ${samples[Math.floor(ROUNDS / 2)]!.toFixed(3)} | ${samples[Math.floor(ROUNDS * 0.9)]!.toFixed(3)} |`,
  );
}

const emails = Array.from(
  { length: ROUNDS },
  (_, index) => `w${index}-${randomBytes(4).toString('hex')}@example.com`,
);
const sessions: { id: string; refreshToken: string }[] = [];
try {
  await phase('register', async (index) => {
    if (!(await auth.register({ email: emails[index], password: PASSWORD })).created)
      throw new Error('register');
  });
  await phase('login (token strategy, with its refresh token)', async (index) => {
    const input = { email: emails[index], password: PASSWORD, strategy: 'token' as const, refreshToken: {} };
    const result = await auth.login(input);
    // Before the refresh token was part of the login's write, the server issued it after the login.
    const refreshToken = result.refreshToken ?? (await auth.issueRefreshToken(result.session));
    sessions.push({ id: result.session.id, refreshToken });
  });
  await phase('refresh', async (index) => {
    sessions[index]!.refreshToken = (
      await auth.rotateRefreshToken(sessions[index]!.refreshToken)
    ).refreshToken;
  });
  await phase('logout', async (index) => {
    const revoked = await auth.revokeSession({
      sessionId: sessions[index]!.id,
      reason: 'logout',
      actorId: null,
    });
    if (!revoked) throw new Error('logout');
  });
} finally {
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA ${schema} CASCADE`);
  await client.end();
}

console.log('| operation | round trips | explicit COMMITs | wall ms, median | p90 |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
