import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postgresMigrations } from './migrations.ts';
import { runPostgresMigrations } from './migrate.ts';
import { openPostgresStore } from './postgres-store.ts';
import { createTestSchemaName, dropTestSchema, testDatabaseUrl } from './test-database.ts';

describe('PostgreSQL migrations', () => {
  it('are numbered 1, 2, 3, … in order', () => {
    assert.deepEqual(
      postgresMigrations.map((migration) => migration.version),
      postgresMigrations.map((_, index) => index + 1),
    );
  });

  it('run exactly once when several servers start together', async () => {
    const schema = createTestSchemaName();
    try {
      const results = await Promise.all(
        Array.from({ length: 4 }, () => runPostgresMigrations({ connectionString: testDatabaseUrl, schema })),
      );
      const all = postgresMigrations.map((migration) => migration.version);
      assert.deepEqual(
        results.filter((applied) => applied.length > 0),
        [all],
      );
      const store = await openPostgresStore({ connectionString: testDatabaseUrl, schema });
      await store.ping();
      await store.close();
    } finally {
      await dropTestSchema(schema);
    }
  });

  it('refuse a schema name that is not a plain lower-case identifier', async () => {
    for (const schema of ['Public', 'a-b', 'x;DROP TABLE users', '1abc', '', 'a'.repeat(64)]) {
      await assert.rejects(openPostgresStore({ connectionString: testDatabaseUrl, schema }), TypeError);
    }
  });
});
