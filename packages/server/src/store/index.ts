export { openPostgresStore } from './postgres/postgres-store.ts';
export type { PostgresStoreOptions } from './postgres/pool.ts';
export { runPostgresMigrations } from './postgres/migrate.ts';
export { openSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.ts';
export { runSqliteMigrations } from './sqlite/migrate.ts';
export { openRedisStore, type RedisStoreOptions } from './redis/redis-store.ts';
