import type { AuditEvent } from '@gatehouse/core';
import { INSERT_AUDIT_EVENT } from './audit-store.ts';
import type { SqlDriver } from './driver.ts';
import { type SqlProgram, execute, row } from './program.ts';
import { AUDIT_COLUMNS, auditEventValues, type Row } from './rows.ts';

/** One write with a `RETURNING` clause: its audit event is appended only if it returned a row. */
export interface ReturningWrite {
  /** INSERT, UPDATE or DELETE, ending in `RETURNING …`. */
  text: string;
  values: readonly unknown[];
}

/**
 * PostgreSQL names each audit column's type: a parameter in a SELECT list has none of its own (an
 * INSERT's VALUES would take the column's).
 */
const TYPED_AUDIT_VALUES =
  '?::text, ?::text, ?::bigint, ?::text, ?::text, ?::text, ?::text, ?::text, ?::jsonb';

function* writeThenAudit(write: ReturningWrite, audit: AuditEvent): SqlProgram<Row | undefined> {
  const written = yield* row(write.text, ...write.values);
  if (written !== undefined) yield* execute(INSERT_AUDIT_EVENT, ...auditEventValues(audit));
  return written;
}

/**
 * Runs `write` and appends `audit` if it changed a row, as one unit: both commit, or neither (the
 * store interface's promise, packages/core/src/store/types.ts). Resolves the write's first returned
 * row, or undefined.
 * - SQLite: both statements in one transaction, one commit (one fsync under `synchronous = FULL`)
 *   instead of two.
 * - PostgreSQL: one statement, the write in a data-modifying WITH and the audit row inserted from
 *   its RETURNING (so only when it returned a row): one round trip and one commit instead of two,
 *   where a transaction would have added BEGIN and COMMIT round trips.
 * Without `audit`, the write alone, committing by itself.
 */
export function runAudited(
  { run, transaction, dialect }: SqlDriver,
  write: ReturningWrite,
  audit: AuditEvent | undefined,
): Promise<Row | undefined> {
  if (!audit) return run(row(write.text, ...write.values));
  if (dialect.name === 'sqlite') return transaction(writeThenAudit(write, audit));
  return run(
    row(
      `WITH written AS (${write.text}),
         audited AS (INSERT INTO audit_events (${AUDIT_COLUMNS}) SELECT ${TYPED_AUDIT_VALUES} FROM written)
       SELECT * FROM written`,
      ...write.values,
      ...auditEventValues(audit),
    ),
  );
}
