import type { Pool } from 'pg';
import type { GatehouseStore } from '@gatehouse/core';
import { createSqlSubStores } from '../sql/sql-store.ts';
import { createPostgresDriver } from './driver.ts';
import { applyPostgresMigrations } from './migrate.ts';
import { createPostgresPool, type PostgresStoreOptions } from './pool.ts';

/**
 * The durable backend over a `pg` pool, migrated on open. Several auth servers can share one
 * database: rotations lock their session and token rows, migrations take an advisory lock.
 *
 * @example
 * const store = await openPostgresStore({ connectionString: config.databaseUrl, schema: 'gatehouse' });
 * const auth = createAuth({ store });
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<GatehouseStore> {
  const pool = createPostgresPool(options);
  try {
    await applyPostgresMigrations(pool, options.schema);
    await assertSearchPath(pool, options.schema);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    kind: 'postgres',
    ...createSqlSubStores(createPostgresDriver(pool)),
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}

/**
 * The schema reaches connections as a startup parameter, which an `options` in the connection
 * string or a pooler in front of the server can silently drop; tables would then land elsewhere.
 */
async function assertSearchPath(pool: Pool, schema: string | undefined): Promise<void> {
  if (schema === undefined) return;
  const { rows } = await pool.query('SELECT current_schema() AS schema');
  if (rows[0]?.schema !== schema) {
    throw new Error(`postgres: connections resolve to schema ${rows[0]?.schema ?? 'none'}, not ${schema}`);
  }
}
