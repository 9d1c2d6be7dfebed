import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GatehouseStore } from '@gatehouse/core';
import { Redis } from 'ioredis';
import pg from 'pg';

export type StoreKind = 'sqlite' | 'postgres' | 'redis';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres', 'redis'];
export const STORE_LABELS: Record<StoreKind, string> = {
  sqlite: 'SQLite',
  postgres: 'PostgreSQL',
  redis: 'Redis',
};

export interface StoreUrls {
  databaseUrl: string;
  redisUrl: string;
}

export interface BenchStore {
  kind: StoreKind;
  store: GatehouseStore;
  /** Closes the store and removes everything the bench created (file, schema, keys). */
  close(): Promise<void>;
}

const suffix = () => randomBytes(6).toString('hex');

// The store backends are imported from the server's store module: the server package exports
// only `openStore`, which cannot put the bench in a schema or key prefix of its own. Imported on
// demand, so a backend being rewritten fails only its own cases.
const storeModule = () => import('../../packages/server/src/store/index.ts');

async function openSqlite(): Promise<BenchStore> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-'));
  // GATEHOUSE_SQLITE_SYNC=full in the bench's environment: the fsync-per-commit setting (the
  // default before it existed), for an A/B in one checkout (docs/benchmarks.md).
  const sync = process.env.GATEHOUSE_SQLITE_SYNC === 'full' ? 'full' : undefined;
  // The store's thread as the server decides it (GATEHOUSE_SQLITE_THREAD, auto by default), from the
  // same variables in the bench's environment, for the same kind of A/B.
  const { usesSqliteThread } = await import('../../packages/server/src/store/sqlite/database.ts');
  const setting = process.env.GATEHOUSE_SQLITE_THREAD as 'auto' | 'on' | 'off' | undefined;
  const thread = usesSqliteThread(setting, sync);
  const store = await (await storeModule()).openSqliteStore({
    path: join(dir, 'gatehouse.db'),
    sync,
    thread,
  });
  return {
    kind: 'sqlite',
    store,
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(databaseUrl: string): Promise<BenchStore> {
  // A schema of its own: the bench never touches tables a test or a deployment uses.
  const schema = `gh_bench_${suffix()}`;
  const store = await (await storeModule()).openPostgresStore({ connectionString: databaseUrl, schema });
  return {
    kind: 'postgres',
    store,
    async close() {
      await store.close();
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function openRedis(redisUrl: string): Promise<BenchStore> {
  // A key prefix of its own, removed on close: the bench never touches a deployment's keys.
  const keyPrefix = `gh-bench-${suffix()}:`;
  const store = await (await storeModule()).openRedisStore({ url: redisUrl, keyPrefix });
  return {
    kind: 'redis',
    store,
    async close() {
      await store.close();
      await deleteKeys(redisUrl, keyPrefix);
    },
  };
}

/** Opens a fresh, empty, migrated store of `kind` that `close` removes again. */
export function openBenchStore(kind: StoreKind, urls: StoreUrls): Promise<BenchStore> {
  switch (kind) {
    case 'sqlite':
      return openSqlite();
    case 'postgres':
      return openPostgres(urls.databaseUrl);
    case 'redis':
      return openRedis(urls.redisUrl);
  }
}
