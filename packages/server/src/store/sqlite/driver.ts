import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { SqlDriver } from '../sql/driver.ts';
import { runSync, type SqlProgram, type SqlStep } from '../sql/program.ts';
import { sqliteDialect } from './dialect.ts';
import { runInImmediateTransaction } from './transaction.ts';

/** Prepared statements kept; past this (only built statements vary) the cache starts again. */
const MAX_STATEMENTS = 256;

export interface SqliteDriver extends SqlDriver {
  /** The same transaction, synchronously: for migrations on open. */
  transactionSync<T>(program: SqlProgram<T>): T;
}

/**
 * The SQLite side of the seam, over `node:sqlite`'s synchronous driver. Each statement text is
 * prepared once; a program runs to its end without yielding to the event loop, so the one promise
 * a store call returns is the only one, as when each backend had its own stores.
 */
export function createSqliteDriver(db: DatabaseSync): SqliteDriver {
  const statements = new Map<string, StatementSync>();

  function prepare(text: string): StatementSync {
    let statement = statements.get(text);
    if (statement === undefined) {
      if (statements.size >= MAX_STATEMENTS) statements.clear();
      statement = db.prepare(text);
      statements.set(text, statement);
    }
    return statement;
  }

  function execute({ mode, text, values }: SqlStep): unknown {
    if (mode === 'script') return db.exec(text);
    const statement = prepare(text);
    const inputs = values as SQLInputValue[];
    if (mode === 'rows') return statement.all(...inputs);
    if (mode === 'row') return statement.get(...inputs);
    return Number(statement.run(...inputs).changes);
  }

  const transactionSync = <T>(program: SqlProgram<T>): T =>
    runInImmediateTransaction(db, () => runSync(program, execute));

  return {
    dialect: sqliteDialect,
    run: async (program) => runSync(program, execute),
    transaction: async (program) => transactionSync(program),
    transactionSync,
  };
}
