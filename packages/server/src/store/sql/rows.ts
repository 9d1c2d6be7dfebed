import type {
  AuditEvent,
  RefreshTokenRecord,
  SessionRecord,
  SigningAlgorithm,
  SigningKeyRecord,
  Strategy,
  UserRecord,
  UserStatus,
} from '@gatehouse/core';

/**
 * A row as both drivers return it: snake_case columns, timestamps already numbers (the PostgreSQL
 * pool parses BIGINT). Only the list and JSON columns differ by backend: the dialect decodes those.
 */
export type Row = Record<string, unknown>;

export function toUserRecord(row: Row, roles: string[]): UserRecord {
  return {
    id: row.id as string,
    email: row.email as string,
    passwordHash: row.password_hash as string,
    roles,
    status: row.status as UserStatus,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
    passwordChangedAt: row.password_changed_at as number,
  };
}

/** The user's columns read beside a session's in one statement, each as `user_<column>`. */
const JOINED_USER_FIELDS = [
  'email',
  'password_hash',
  'roles',
  'status',
  'created_at',
  'updated_at',
  'password_changed_at',
];

/** The select list of a session's user joined as `u` (`sessionUserOf` reads it back). */
export const JOINED_USER_COLUMNS = JOINED_USER_FIELDS.map((field) => `u.${field} AS user_${field}`).join(
  ', ',
);

/** A refresh token (`t`) with its session (`s`) and the session's user (`u`). */
export const TOKEN_FAMILY_JOIN =
  'sessions s JOIN refresh_tokens t ON t.session_id = s.id JOIN users u ON u.id = s.user_id';

/** The user of a row that also holds the session's columns (`s.*`) and `JOINED_USER_COLUMNS`. */
export function sessionUserOf(found: Row, decodeRoles: (value: unknown) => string[]): UserRecord {
  const userRow: Row = { id: found.user_id };
  for (const field of JOINED_USER_FIELDS) userRow[field] = found[`user_${field}`];
  return toUserRecord(userRow, decodeRoles(userRow.roles));
}

/**
 * Write side of the mappers: a table's insert columns and the values in that order, kept beside
 * the read mapper so the two SQL backends cannot disagree on the order.
 */
export const SESSION_COLUMNS =
  'id, user_id, secret_hash, strategy, created_at, last_seen_at, idle_expires_at, absolute_expires_at, user_agent, ip';

export function sessionValues(session: SessionRecord) {
  return [
    session.id,
    session.userId,
    session.secretHash,
    session.strategy,
    session.createdAt,
    session.lastSeenAt,
    session.idleExpiresAt,
    session.absoluteExpiresAt,
    session.userAgent,
    session.ip,
  ];
}

export const AUDIT_COLUMNS = 'id, type, at, actor_id, subject_id, session_id, ip, user_agent, data';

/** `data` as JSON text: pg would send a JS array as a PostgreSQL array, not JSON. */
export function auditEventValues(event: AuditEvent) {
  return [
    event.id,
    event.type,
    event.at,
    event.actorId,
    event.subjectId,
    event.sessionId,
    event.ip,
    event.userAgent,
    JSON.stringify(event.data),
  ];
}

export function toSessionRecord(row: Row): SessionRecord {
  return {
    id: row.id as string,
    userId: row.user_id as string,
    secretHash: row.secret_hash as string,
    strategy: row.strategy as Strategy,
    createdAt: row.created_at as number,
    lastSeenAt: row.last_seen_at as number,
    idleExpiresAt: row.idle_expires_at as number,
    absoluteExpiresAt: row.absolute_expires_at as number,
    userAgent: row.user_agent as string | null,
    ip: row.ip as string | null,
  };
}

export function toRefreshTokenRecord(row: Row): RefreshTokenRecord {
  return {
    hash: row.hash as string,
    sessionId: row.session_id as string,
    createdAt: row.created_at as number,
    consumedAt: row.consumed_at as number | null,
    successorCipher: row.successor_cipher as string | null,
    successorHash: (row.successor_hash as string | null | undefined) ?? null,
  };
}

export function toSigningKeyRecord(row: Row): SigningKeyRecord {
  return {
    kid: row.kid as string,
    alg: row.alg as SigningAlgorithm,
    publicJwk: row.public_jwk as string,
    privateKeyCipher: row.private_key_cipher as string,
    status: row.status as SigningKeyRecord['status'],
    createdAt: row.created_at as number,
    retiredAt: row.retired_at as number | null,
  };
}

export function toAuditEvent(row: Row, data: Record<string, unknown>): AuditEvent {
  return {
    id: row.id as string,
    type: row.type as string,
    at: row.at as number,
    actorId: row.actor_id as string | null,
    subjectId: row.subject_id as string | null,
    sessionId: row.session_id as string | null,
    ip: row.ip as string | null,
    userAgent: row.user_agent as string | null,
    data,
  };
}
