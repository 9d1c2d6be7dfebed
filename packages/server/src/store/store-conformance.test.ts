import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore, runStoreSuite } from '@gatehouse/core/testing';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { createTestSchemaName, dropTestSchema, testDatabaseUrl } from './postgres/test-database.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

runStoreSuite('memory', async () => ({ store: createMemoryStore() }));

runStoreSuite('sqlite', async () => {
  // A directory, not just a file: WAL mode adds -wal and -shm files beside the database.
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-sqlite-'));
  return {
    store: await openSqliteStore({ path: join(directory, 'gatehouse.db') }),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
});

runStoreSuite('sqlite on its own thread', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'gatehouse-sqlite-thread-'));
  return {
    store: await openSqliteStore({ path: join(directory, 'gatehouse.db'), thread: true }),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
});

runStoreSuite('postgres', async () => {
  const schema = createTestSchemaName();
  return {
    store: await openPostgresStore({ connectionString: testDatabaseUrl, schema, poolSize: 8 }),
    cleanup: () => dropTestSchema(schema),
  };
});
