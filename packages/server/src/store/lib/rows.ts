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
 * pool parses BIGINT). Only the JSON-ish columns differ by backend, so callers decode those.
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
