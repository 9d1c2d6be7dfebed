import type { AuditQuery } from '@gatehouse/core';

/**
 * WHERE conditions for an audit query. `bind` records a value and returns its placeholder. Only
 * the filters given become conditions, so each query can use the index that fits it.
 */
export function toAuditConditions(query: AuditQuery, bind: (value: unknown) => string): string[] {
  const conditions: string[] = [];
  if (query.userId !== undefined) {
    conditions.push(`(actor_id = ${bind(query.userId)} OR subject_id = ${bind(query.userId)})`);
  }
  if (query.type !== undefined) conditions.push(`type = ${bind(query.type)}`);
  if (query.from !== undefined) conditions.push(`at >= ${bind(query.from)}`);
  if (query.to !== undefined) conditions.push(`at <= ${bind(query.to)}`);
  return conditions;
}
