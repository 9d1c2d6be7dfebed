import type { AuditEvent } from '@gatehouse/core';

/**
 * An audit event as operators read it: `GET /admin/audit` and `gatehouse audit` print the same
 * shape. Times as ISO 8601 strings (UTC).
 */
export function toAuditView(event: AuditEvent) {
  return {
    id: event.id,
    type: event.type,
    at: new Date(event.at).toISOString(),
    actorId: event.actorId,
    subjectId: event.subjectId,
    sessionId: event.sessionId,
    ip: event.ip,
    userAgent: event.userAgent,
    data: event.data,
  };
}
