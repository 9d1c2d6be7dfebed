import type { AuditEvent, AuditQuery, AuditStore } from '@gatehouse/core';
import { toAuditConditions } from './audit-filter.ts';
import { AUDIT_COLUMNS, auditEventValues, toAuditEvent } from './rows.ts';
import type { SqlDialect, SqlDriver } from './driver.ts';
import { count, execute, rows, type SqlProgram } from './program.ts';
import { type FollowingInsert, insertTarget } from './write-with-inserts.ts';

const AUDIT_EVENTS = insertTarget('audit_events', AUDIT_COLUMNS, [
  'text',
  'text',
  'bigint',
  'text',
  'text',
  'text',
  'text',
  'text',
  'jsonb',
]);

/** `event` as a row to insert with another write (sql/write-with-inserts.ts). */
export function auditInsert(event: AuditEvent): FollowingInsert {
  return { target: AUDIT_EVENTS, values: auditEventValues(event) };
}

function* query(dialect: SqlDialect, query: AuditQuery): SqlProgram<AuditEvent[]> {
  const values: unknown[] = [];
  const conditions = toAuditConditions(query, (value) => {
    values.push(value);
    return '?';
  });
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const found = yield* rows(
    `SELECT * FROM audit_events ${where} ORDER BY at DESC LIMIT ?`,
    ...values,
    query.limit,
  );
  return found.map((event) => toAuditEvent(event, dialect.decodeJson(event.data)));
}

export function createSqlAuditStore({ run, dialect }: SqlDriver): AuditStore {
  return {
    append: (event) => run(execute(AUDIT_EVENTS.text, ...auditEventValues(event))),
    query: (filter) => run(query(dialect, filter)),
    deleteBefore: (before) => run(count('DELETE FROM audit_events WHERE at < ?', before)),
  };
}
