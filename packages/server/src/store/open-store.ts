import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { GatehouseStore } from '@gatehouse/core';
import type { GatehouseConfig } from '../config.ts';
import { redisTargetOf } from '../lib/bounded-redis.ts';
import { DEFAULT_REPLICA_WAIT_MS } from './redis/replica-wait.ts';

/** Where the embedded database lives inside the data directory. */
export function sqlitePath(dataDir: string): string {
  return join(dataDir, 'gatehouse.db');
}

/**
 * Opens the store the configuration names (docs/design.md §8): Redis when `GATEHOUSE_STORE=redis`,
 * PostgreSQL when `DATABASE_URL` is set, otherwise the embedded SQLite file in the data directory
 * (created if missing). Opening applies pending migrations.
 */
export async function openStore(
  config: Pick<GatehouseConfig, 'databaseUrl' | 'dataDir'> &
    Partial<
      Pick<
        GatehouseConfig,
        | 'store'
        | 'redisUrl'
        | 'redisCluster'
        | 'redisClusterNodes'
        | 'redisSentinels'
        | 'redisSentinelPassword'
        | 'redisWaitReplicas'
        | 'redisWaitMs'
        | 'sqliteSync'
        | 'sqliteThread'
      >
    >,
  events: {
    /** The embedded store's thread ended unexpectedly; the next store call starts a new one. */
    onStoreThreadEnded?: (error: Error) => void;
  } = {},
): Promise<GatehouseStore> {
  // Imported on demand: an embedded deployment never loads `pg` or `ioredis`, and vice versa.
  const redis = redisTargetOf({ redisUrl: null, ...config });
  if (config.store === 'redis' && redis) {
    const { openRedisStore } = await import('./redis/redis-store.ts');
    const replicas = config.redisWaitReplicas ?? 0;
    return openRedisStore({
      ...redis,
      ...(replicas > 0
        ? { waitForReplicas: { replicas, timeoutMs: config.redisWaitMs ?? DEFAULT_REPLICA_WAIT_MS } }
        : {}),
    });
  }
  if (config.databaseUrl) {
    const { openPostgresStore } = await import('./postgres/postgres-store.ts');
    return openPostgresStore({ connectionString: config.databaseUrl });
  }
  // 0700: the directory holds the database and generated secrets.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const { openSqliteStore } = await import('./sqlite/sqlite-store.ts');
  const { usesSqliteThread } = await import('./sqlite/database.ts');
  return openSqliteStore({
    path: sqlitePath(config.dataDir),
    sync: config.sqliteSync,
    thread: usesSqliteThread(config.sqliteThread, config.sqliteSync) && {
      onThreadEnded: events.onStoreThreadEnded,
    },
  });
}
