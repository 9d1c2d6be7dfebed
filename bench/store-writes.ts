/**
 * What each auth operation costs a store: what it sends (PostgreSQL: statements, BEGIN and COMMIT
 * included, each one round trip; Redis: commands, of which those in a pipeline or MULTI share a
 * round trip), explicit transactions, and the wall time of the operation, median and p90 over
 * ROUNDS sequential calls. The core's operations (createAuth) over the store, in a schema or key
 * prefix of its own, an instant hasher, revocations recorded in the store as the server's publisher
 * records them. Not part of `npm run bench` (docs/benchmarks.md, "A write and its audit event in
 * one commit", "A refresh in one commit and five round trips"):
 *
 *   flock /tmp/gh-bench.lock npx node bench/store-writes.ts [rounds] [postgres|redis]
 *
 * BENCH_DATABASE_URL and BENCH_REDIS_URL as for `npm run bench` (defaults
 * postgres://postgres@127.0.0.1:5432/test, redis://127.0.0.1:6379).
 */
import { randomBytes } from 'node:crypto';
import { createAuth, type GatehouseStore } from '@gatehouse/core';
import { createFastHasher } from '@gatehouse/core/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openPostgresStore } from '../packages/server/src/store/postgres/postgres-store.ts';
import { openRedisStore } from '../packages/server/src/store/redis/redis-store.ts';

const ROUNDS = Number(process.argv[2] ?? 100);
const kind = process.argv[3] ?? 'postgres';
if (kind !== 'postgres' && kind !== 'redis') throw new TypeError('store: postgres or redis');
const PASSWORD = 'correct horse battery staple 42';
const meter = { sent: 0, transactions: 0 };

/** The store, metered, and how to remove what it wrote. */
async function open(): Promise<{ store: GatehouseStore; cleanup: () => Promise<void> }> {
  if (kind === 'redis') {
    const client = new Redis(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
      meter.sent++;
      if (command.name === 'exec') meter.transactions++;
      return (send as (...args: unknown[]) => unknown)(command, ...rest);
    }) as typeof client.sendCommand;
    const keyPrefix = `gh_bench_writes_${randomBytes(4).toString('hex')}:`;
    const store = await openRedisStore({ client, keyPrefix });
    return {
      store,
      async cleanup() {
        await store.close();
        for (let cursor = '0'; ; ) {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
          if (keys.length > 0) await client.del(...keys);
          cursor = next;
          if (cursor === '0') break;
        }
        client.disconnect();
      },
    };
  }
  const url = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `gh_bench_writes_${randomBytes(4).toString('hex')}`;
  const { query } = pg.Client.prototype;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    meter.sent++;
    if (text !== undefined && /^\s*COMMIT/i.test(text)) meter.transactions++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  const store = await openPostgresStore({ connectionString: url, schema, poolSize: 4 });
  return {
    store,
    async cleanup() {
      await store.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA ${schema} CASCADE`);
      await client.end();
    },
  };
}

const { store, cleanup } = await open();
const auth = createAuth({
  store,
  hasher: createFastHasher(),
  // As the server's publisher: the durable row first (docs/design.md §5), then the feed.
  revocations: { publish: async (events) => void (await store.revocations?.record(events, Date.now())) },
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
    `| ${name} | ${per(meter.sent - before.sent)} | ${per(meter.transactions - before.transactions)} | ${samples[Math.floor(ROUNDS / 2)]!.toFixed(3)} | ${samples[Math.floor(ROUNDS * 0.9)]!.toFixed(3)} |`,
  );
}

const emails = Array.from(
  { length: ROUNDS },
  (_, index) => `w${index}-${randomBytes(4).toString('hex')}@example.com`,
);
const sessions: { id: string; userId: string; refreshToken: string }[] = [];
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
    sessions.push({ id: result.session.id, userId: result.session.userId, refreshToken });
  });
  // Without the session, rotateRefreshToken reads it first (to count the rotation per session).
  await phase(
    'refresh (rotateRefreshToken alone: its lookup of the session, then the rotation)',
    async (index) => {
      sessions[index]!.refreshToken = (
        await auth.rotateRefreshToken(sessions[index]!.refreshToken)
      ).refreshToken;
    },
  );
  // As `POST /auth/refresh` and the token endpoint make it: the session is checked (its strategy,
  // the CSRF binding) before the rotation spends the token.
  await phase("refresh (as the server's route: the session's lookup, then the rotation)", async (index) => {
    const presented = sessions[index]!.refreshToken;
    const session = await auth.getRefreshTokenSession(presented);
    if (!session) throw new Error('refresh lookup');
    // With the session it read, as the routes pass it (a shortcut for Redis).
    sessions[index]!.refreshToken = (
      await auth.rotateRefreshToken(presented, undefined, { session })
    ).refreshToken;
  });
  await phase('logout', async (index) => {
    // As `POST /auth/logout` makes it: with the session its authentication read.
    const revoked = await auth.revokeSession({
      sessionId: sessions[index]!.id,
      session: sessions[index]!,
      reason: 'logout',
      actorId: null,
    });
    if (!revoked) throw new Error('logout');
  });
} finally {
  await cleanup();
}

console.log(
  `| operation (${kind}) | ${kind === 'redis' ? 'commands' : 'round trips'} | explicit ${kind === 'redis' ? 'EXECs' : 'COMMITs'} | wall ms, median | p90 |`,
);
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
