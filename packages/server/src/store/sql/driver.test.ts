import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPostgresDriver } from '../postgres/driver.ts';
import { applyPostgresMigrations } from '../postgres/migrate.ts';
import { createPostgresPool } from '../postgres/pool.ts';
import { createTestSchemaName, dropTestSchema, testDatabaseUrl } from '../postgres/test-database.ts';
import { openSqliteDatabase } from '../sqlite/database.ts';
import { createSqliteDriver } from '../sqlite/driver.ts';
import { applySqliteMigrations } from '../sqlite/migrate.ts';
import type { SqlDialect, SqlDriver } from './driver.ts';
import { execute, row, type SqlProgram } from './program.ts';

const T0 = Date.UTC(2026, 0, 1);

function* insertUserThenFail(dialect: SqlDialect, id: string): SqlProgram<void> {
  yield* execute(
    `INSERT INTO users (id, email, password_hash, roles, status, created_at, updated_at, password_changed_at)
     VALUES (?, ?, 'x', ?, 'active', ?, ?, ?)`,
    id,
    `${id}@example.com`,
    dialect.encodeTextList([]),
    T0,
    T0,
    T0,
  );
  yield* execute('INSERT INTO no_such_table (id) VALUES (?)', id);
}

function describeDriver(
  name: string,
  open: () => Promise<{ driver: SqlDriver; close: () => Promise<void> }>,
) {
  describe(`the ${name} driver`, () => {
    let driver: SqlDriver;
    let close: () => Promise<void>;
    before(async () => ({ driver, close } = await open()));
    after(() => close());

    it('rolls a whole transaction back when one statement fails', async () => {
      await assert.rejects(
        driver.transaction(insertUserThenFail(driver.dialect, 'rolled-back')),
        /no_such_table/,
      );
      const found = await driver.run(row("SELECT count(*) AS n FROM users WHERE id = 'rolled-back'"));
      assert.equal(Number(found?.n), 0);
    });
  });
}

describeDriver('SQLite', async () => {
  const db = openSqliteDatabase(':memory:');
  applySqliteMigrations(db);
  return { driver: createSqliteDriver(db), close: async () => db.close() };
});

describeDriver('PostgreSQL', async () => {
  const schema = createTestSchemaName();
  const pool = createPostgresPool({ connectionString: testDatabaseUrl, schema, poolSize: 2 });
  await applyPostgresMigrations(pool, schema);
  return {
    driver: createPostgresDriver(pool),
    close: async () => {
      await pool.end();
      await dropTestSchema(schema);
    },
  };
});

describe('the SQLite driver', () => {
  it('runs a program start to end without letting other work in between its statements', async () => {
    const db = openSqliteDatabase(':memory:');
    const driver = createSqliteDriver(db);
    let interleaved = false;
    function* readTwice(): SqlProgram<boolean[]> {
      const seen = [interleaved];
      yield* row('SELECT 1 AS one');
      seen.push(interleaved);
      yield* row('SELECT 2 AS two');
      return [...seen, interleaved];
    }
    const running = driver.transaction(readTwice());
    queueMicrotask(() => {
      interleaved = true;
    });
    assert.deepEqual(await running, [false, false, false]);
    db.close();
  });
});
