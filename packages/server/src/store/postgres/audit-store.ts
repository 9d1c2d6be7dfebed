import type { Pool } from 'pg';
import type { AuditStore } from '@gatehouse/core';
import { toAuditConditions } from '../lib/audit-filter.ts';
import { AUDIT_COLUMNS, auditEventValues, placeholders, toAuditEvent } from '../lib/rows.ts';

export function createPostgresAuditStore(pool: Pool): AuditStore {
  return {
    async append(event) {
      await pool.query(
        `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (${placeholders(9, 'postgres')})`,
        auditEventValues(event),
      );
    },
    async query(query) {
      const values: unknown[] = [];
      const conditions = toAuditConditions(query, (value) => {
        values.push(value);
        return `$${values.length}`;
      });
      const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      values.push(query.limit);
      const { rows } = await pool.query(
        `SELECT * FROM audit_events ${where} ORDER BY at DESC LIMIT $${values.length}`,
        values,
      );
      // JSONB arrives parsed.
      return rows.map((row) => toAuditEvent(row, row.data));
    },
    async deleteBefore(before) {
      const result = await pool.query('DELETE FROM audit_events WHERE at < $1', [before]);
      return result.rowCount ?? 0;
    },
  };
}
