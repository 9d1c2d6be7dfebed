import type { RevocationEvent } from './revocation-event.ts';

/**
 * A revocation event as one row of a durable store: `kind` and `id` (what the event names) are the
 * key, so recording it again updates the row instead of adding one.
 */
export interface RevocationRow {
  kind: RevocationEvent['type'];
  id: string;
  /** The session's user (`session` only). */
  sub: string | null;
  /** `user` only: tokens issued before this instant are refused. */
  before: number | null;
  until: number;
}

export function toRevocationRow(event: RevocationEvent): RevocationRow {
  switch (event.type) {
    case 'session':
      return { kind: 'session', id: event.sid, sub: event.sub, before: null, until: event.until };
    case 'user':
      return { kind: 'user', id: event.sub, sub: null, before: event.before, until: event.until };
    case 'token':
      return { kind: 'token', id: event.jti, sub: null, before: null, until: event.until };
    case 'key':
      return { kind: 'key', id: event.kid, sub: null, before: null, until: event.until };
  }
}

/** The event a stored row stands for; null for a row no event could have written. */
export function fromRevocationRow(row: RevocationRow): RevocationEvent | null {
  const until = Number(row.until);
  switch (row.kind) {
    case 'session':
      return row.sub === null ? null : { type: 'session', sid: row.id, sub: row.sub, until };
    case 'user':
      return row.before === null ? null : { type: 'user', sub: row.id, before: Number(row.before), until };
    case 'token':
      return { type: 'token', jti: row.id, until };
    case 'key':
      return { type: 'key', kid: row.id, until };
    default:
      return null;
  }
}
