import type { Pool, QueryResult } from 'pg';
import type { SqlDriver } from '../sql/driver.ts';
import { runAsync, type SqlStep } from '../sql/program.ts';
import { postgresDialect } from './dialect.ts';
import { runInTransaction } from './transaction.ts';

type Query = (text: string, values?: unknown[]) => Promise<QueryResult>;

/** Statement texts seen, with their `?` numbered; past this (only built statements vary) it starts again. */
const MAX_TEXTS = 256;
const numbered = new Map<string, string>();

/** `?`, `?`, … as `$1`, `$2`, …: the shared statements hold no other `?`. */
export function numberPlaceholders(text: string): string {
  let result = numbered.get(text);
  if (result === undefined) {
    let index = 0;
    result = text.replace(/\?/g, () => `$${++index}`);
    if (numbered.size >= MAX_TEXTS) numbered.clear();
    numbered.set(text, result);
  }
  return result;
}

/** Runs each step of a program through `query`: the pool, a transaction's client, or a migration's. */
export function postgresExecutor(query: Query): (step: SqlStep) => Promise<unknown> {
  return async ({ mode, text, values }) => {
    // No values: the simple protocol, which also takes several statements at once.
    if (mode === 'script') return void (await query(text));
    const result = await query(numberPlaceholders(text), values as unknown[]);
    if (mode === 'rows') return result.rows;
    if (mode === 'row') return result.rows[0];
    return result.rowCount ?? 0;
  };
}

/**
 * The PostgreSQL side of the seam, over a `pg` pool: a program outside a transaction sends each
 * statement to whichever pooled connection is free; in one, every statement goes to the same
 * connection between BEGIN and COMMIT (postgres/transaction.ts). The pool bounds every call.
 */
export function createPostgresDriver(pool: Pool): SqlDriver {
  const onPool = postgresExecutor((text, values) => pool.query(text, values));
  return {
    dialect: postgresDialect,
    run: (program) => runAsync(program, onPool),
    transaction: (program) =>
      runInTransaction(pool, (client) =>
        runAsync(
          program,
          postgresExecutor((text, values) => client.query(text, values)),
        ),
      ),
  };
}
