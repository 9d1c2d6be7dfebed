import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { applyPostgresMigrations } from '../postgres/migrate.ts';
import { createPostgresPool } from '../postgres/pool.ts';
import { createTestSchemaName, dropTestSchema, testDatabaseUrl } from '../postgres/test-database.ts';
import { openSqliteDatabase } from '../sqlite/database.ts';
import { applySqliteMigrations } from '../sqlite/migrate.ts';
import { dumpPostgresSchema, dumpSqliteSchema } from './schema-dump.ts';

// Taken from databases created by each backend's own migration list, before the two shared one
// (sql/migrations.ts): a database made by either code is the same database, and migrates the same.
// Migrations added since (4: the revocation outbox) are appended to it as they ship.
const fixture = JSON.parse(await readFile(new URL('./schema-fixture.json', import.meta.url), 'utf8'));

describe('the shared SQL migrations', () => {
  it('give SQLite the schema and migration names its databases already have', () => {
    const db = openSqliteDatabase(':memory:');
    try {
      applySqliteMigrations(db);
      assert.deepEqual(dumpSqliteSchema(db), fixture.sqlite);
    } finally {
      db.close();
    }
  });

  it('give PostgreSQL the schema and migration names its databases already have', async () => {
    const schema = createTestSchemaName();
    const pool = createPostgresPool({ connectionString: testDatabaseUrl, schema, poolSize: 1 });
    try {
      await applyPostgresMigrations(pool, schema);
      assert.deepEqual(await dumpPostgresSchema(pool, schema), fixture.postgres);
    } finally {
      await pool.end();
      await dropTestSchema(schema);
    }
  });
});
