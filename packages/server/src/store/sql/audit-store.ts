import type { AuditEvent, AuditQuery, AuditStore } from '@gatehouse/core';
import { toAuditConditions } from './audit-filter.ts';
import { AUDIT_COLUMNS, auditEventValues, toAuditEvent } from './rows.ts';
import type { SqlDialect, SqlDriver } from './driver.ts';
import { count, execute, placeholders, rows, type SqlProgram } from './program.ts';

const INSERT_AUDIT_EVENT = `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${placeholders(9)})`;

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
    append: (event) => run(execute(INSERT_AUDIT_EVENT, ...auditEventValues(event))),
    query: (filter) => run(query(dialect, filter)),
    deleteBefore: (before) => run(count('DELETE FROM audit_events WHERE at < ?', before)),
  };
}
