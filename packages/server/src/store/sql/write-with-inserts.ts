import type { SqlDialect, SqlDriver } from './driver.ts';
import { type SqlProgram, count, execute, placeholders, row } from './program.ts';
import type { Row } from './rows.ts';

/** A statement run for its effect, with its values. */
export interface Statement {
  text: string;
  values: readonly unknown[];
}

/**
 * One INSERT, UPDATE or DELETE (`text` without a RETURNING clause): the inserts that follow it are
 * made only if it changed a row.
 */
export interface Write extends Statement {
  /**
   * What to return of the changed row (`*`, `id`): without it, an empty row tells that it changed
   * one. On SQLite a RETURNING clause costs about 30 µs here, so a write that only needs to know
   * whether it changed something counts the changes instead.
   */
  returning?: string;
}

/**
 * A table that rows are inserted into with a write, its statements built once: `text` is the
 * plain insert (the table's own store runs it too, and SQLite runs it in the write's transaction);
 * `fromWritten` is PostgreSQL's, the same row inserted by a SELECT from the write's RETURNING. Its
 * parameters are cast to the column types, which a SELECT's parameters would not otherwise have.
 */
export interface InsertTarget {
  readonly text: string;
  readonly fromWritten: string;
}

export function insertTarget(table: string, columns: string, types: readonly string[]): InsertTarget {
  return {
    text: `INSERT INTO ${table} (${columns}) VALUES (${placeholders(types.length)})`,
    fromWritten: `INSERT INTO ${table} (${columns}) SELECT ${types.map((type) => `?::${type}`).join(', ')} FROM written`,
  };
}

/** A row to insert with a write: where, and its values in the target's column order. */
export interface FollowingInsert {
  target: InsertTarget;
  values: readonly unknown[];
}

/**
 * PostgreSQL: the `inserted_<n> AS (…)` WITH entries that insert `inserts` from the statement's
 * `written` entry (each once per row it returned), and their values in order.
 */
export function insertedFromWritten(inserts: readonly FollowingInsert[]): Statement {
  return {
    text: inserts.map(({ target }, index) => `inserted_${index} AS (${target.fromWritten})`).join(', '),
    values: inserts.flatMap((insert) => insert.values),
  };
}

/** The row as a plain insert, for `executeAll`. */
export function asStatement({ target, values }: FollowingInsert): Statement {
  return { text: target.text, values };
}

/** SQLite: the write, and the inserts if it changed a row; resolves its row (or `{}`), or undefined. */
function* writeThenInsert(write: Write, inserts: readonly FollowingInsert[]): SqlProgram<Row | undefined> {
  const written = write.returning
    ? yield* row(`${write.text} RETURNING ${write.returning}`, ...write.values)
    : (yield* count(write.text, ...write.values)) > 0
      ? {}
      : undefined;
  if (written === undefined) return undefined;
  for (const { target, values } of inserts) yield* execute(target.text, ...values);
  return written;
}

/**
 * Runs `write` and, if it changed a row, `inserts` (its audit event, a session's first refresh
 * token), as one unit: all commit, or none (the store interface's promise,
 * packages/core/src/store/types.ts). Resolves the write's returned row (`{}` without `returning`),
 * or undefined when it changed none.
 * - SQLite: the statements in one transaction, one commit (one fsync under `synchronous = FULL`)
 *   instead of one each.
 * - PostgreSQL: one statement, the write in a data-modifying WITH and each row inserted from its
 *   RETURNING (so only when it changed a row): one round trip and one commit instead of one each,
 *   where a transaction would have added BEGIN and COMMIT round trips. Foreign keys are checked
 *   at the statement's end, so a row may refer to the one the write inserted.
 * Without inserts, the write alone, committing by itself.
 */
export function runWithInserts(
  { run, transaction, dialect }: SqlDriver,
  write: Write,
  inserts: readonly FollowingInsert[],
): Promise<Row | undefined> {
  if (inserts.length === 0 || dialect.name === 'sqlite') {
    const program = writeThenInsert(write, inserts);
    return inserts.length === 0 ? run(program) : transaction(program);
  }
  const following = insertedFromWritten(inserts);
  return run(
    row(
      `WITH written AS (${write.text} RETURNING ${write.returning ?? 'true AS changed'}), ${following.text}
       SELECT * FROM written`,
      ...write.values,
      ...following.values,
    ),
  );
}

/**
 * Runs `statements` (INSERTs, UPDATEs, DELETEs, each of rows no other one touches) for their
 * effect, in the transaction of the program that yields it: SQLite one after the other;
 * PostgreSQL as one statement, every one but the last in a data-modifying WITH, one round trip
 * instead of one each. In one PostgreSQL statement none sees what another changed and foreign
 * keys are checked at its end: a row may refer to one inserted beside it, but no statement may
 * depend on another's effect.
 */
export function* executeAll(dialect: SqlDialect, statements: readonly Statement[]): SqlProgram<void> {
  if (dialect.name === 'sqlite' || statements.length === 1) {
    for (const { text, values } of statements) yield* execute(text, ...values);
    return;
  }
  const leading = statements.slice(0, -1).map(({ text }, index) => `written_${index} AS (${text})`);
  yield* execute(
    `WITH ${leading.join(', ')} ${statements.at(-1)!.text}`,
    ...statements.flatMap(({ values }) => values),
  );
}
