import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import type { AuditStore } from '@gatehouse/core';
import { toAuditConditions } from '../lib/audit-filter.ts';
import { AUDIT_COLUMNS, auditEventValues, placeholders, toAuditEvent } from '../lib/rows.ts';

export function createSqliteAuditStore(db: DatabaseSync): AuditStore {
  const insert = db.prepare(
    `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${placeholders(9, 'sqlite')})`,
  );
  const deleteBefore = db.prepare('DELETE FROM audit_events WHERE at < ?');

  return {
    async append(event) {
      insert.run(...auditEventValues(event));
    },
    async query(query) {
      const values: SQLInputValue[] = [];
      const conditions = toAuditConditions(query, (value) => {
        values.push(value as SQLInputValue);
        return '?';
      });
      const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      const rows = db
        .prepare(`SELECT * FROM audit_events ${where} ORDER BY at DESC LIMIT ?`)
        .all(...values, query.limit);
      return rows.map((row) => toAuditEvent(row, JSON.parse(row.data as string)));
    },
    async deleteBefore(before) {
      return Number(deleteBefore.run(before).changes);
    },
  };
}
