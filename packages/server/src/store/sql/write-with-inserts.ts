import type { AuditEvent } from '@gatehouse/core';
import type { SqlDriver } from './driver.ts';
import { type SqlProgram, count, execute, placeholders, row } from './program.ts';
import { AUDIT_COLUMNS, auditEventValues, type Row } from './rows.ts';

/** One INSERT, UPDATE or DELETE: the inserts that follow it are made only if it changed a row. */
export interface Write {
  /** The statement, without a RETURNING clause. */
  text: string;
  values: readonly unknown[];
  /**
   * What to return of the changed row (`*`, `id`): without it, an empty row tells that it changed
   * one. On SQLite a RETURNING clause costs about 30 µs here, so a write that only needs to know
   * whether it changed something counts the changes instead.
   */
  returning?: string;
}

/** A row to insert with a write: its table, columns, their PostgreSQL types and its values. */
export interface FollowingInsert {
  table: string;
  columns: string;
  /**
   * PostgreSQL's type of each column: there the row is inserted by a SELECT, whose parameters have
   * no type of their own (an INSERT's VALUES would take the column's).
   */
  types: readonly string[];
  values: readonly unknown[];
}

const AUDIT_TYPES = ['text', 'text', 'bigint', 'text', 'text', 'text', 'text', 'text', 'jsonb'] as const;

/** `audit` as a row to insert with a write. */
export function auditInsert(audit: AuditEvent): FollowingInsert {
  return {
    table: 'audit_events',
    columns: AUDIT_COLUMNS,
    types: AUDIT_TYPES,
    values: auditEventValues(audit),
  };
}

/** SQLite: the write, and the inserts if it changed a row; resolves its row (or `{}`), or undefined. */
function* writeThenInsert(write: Write, inserts: readonly FollowingInsert[]): SqlProgram<Row | undefined> {
  const written = write.returning
    ? yield* row(`${write.text} RETURNING ${write.returning}`, ...write.values)
    : (yield* count(write.text, ...write.values)) > 0
      ? {}
      : undefined;
  if (written === undefined) return undefined;
  for (const { table, columns, values } of inserts)
    yield* execute(`INSERT INTO ${table} (${columns}) VALUES (${placeholders(values.length)})`, ...values);
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
  const following = inserts.map(
    ({ table, columns, types }, index) =>
      `inserted_${index} AS (INSERT INTO ${table} (${columns}) SELECT ${types.map((type) => `?::${type}`).join(', ')} FROM written)`,
  );
  return run(
    row(
      `WITH written AS (${write.text} RETURNING ${write.returning ?? 'true AS changed'}), ${following.join(', ')}
       SELECT * FROM written`,
      ...write.values,
      ...inserts.flatMap((insert) => insert.values),
    ),
  );
}
