import type { SessionRecord, Strategy, UserRecord, UserStatus } from '@gatehouse/core';

/** A hash as Lua returns it (`[field, value, ...]`) or as ioredis's HGETALL does (an object). */
export type Fields = Record<string, string>;

export function toFields(reply: unknown): Fields {
  if (!Array.isArray(reply)) return (reply ?? {}) as Fields;
  const fields: Fields = {};
  for (let index = 0; index + 1 < reply.length; index += 2) fields[reply[index]] = reply[index + 1];
  return fields;
}

export function userToFields(user: UserRecord): string[] {
  return [
    'id',
    user.id,
    'email',
    user.email,
    'passwordHash',
    user.passwordHash,
    'roles',
    JSON.stringify(user.roles),
    'status',
    user.status,
    'createdAt',
    String(user.createdAt),
    'updatedAt',
    String(user.updatedAt),
    'passwordChangedAt',
    String(user.passwordChangedAt),
  ];
}

/** Null for an empty reply (no such hash). */
export function toUserRecord(fields: Fields): UserRecord | null {
  if (fields.id === undefined) return null;
  return {
    id: fields.id,
    email: fields.email!,
    passwordHash: fields.passwordHash!,
    roles: JSON.parse(fields.roles ?? '[]') as string[],
    status: fields.status as UserStatus,
    createdAt: Number(fields.createdAt),
    updatedAt: Number(fields.updatedAt),
    passwordChangedAt: Number(fields.passwordChangedAt),
  };
}

/** userAgent and ip are left out when null: an absent field reads back as null. */
export function sessionToFields(session: SessionRecord): string[] {
  const fields = [
    'id',
    session.id,
    'userId',
    session.userId,
    'secretHash',
    session.secretHash,
    'strategy',
    session.strategy,
    'createdAt',
    String(session.createdAt),
    'lastSeenAt',
    String(session.lastSeenAt),
    'idleExpiresAt',
    String(session.idleExpiresAt),
    'absoluteExpiresAt',
    String(session.absoluteExpiresAt),
  ];
  if (session.userAgent !== null) fields.push('userAgent', session.userAgent);
  if (session.ip !== null) fields.push('ip', session.ip);
  return fields;
}

export function toSessionRecord(fields: Fields): SessionRecord | null {
  if (fields.id === undefined) return null;
  return {
    id: fields.id,
    userId: fields.userId!,
    secretHash: fields.secretHash!,
    strategy: fields.strategy as Strategy,
    createdAt: Number(fields.createdAt),
    lastSeenAt: Number(fields.lastSeenAt),
    idleExpiresAt: Number(fields.idleExpiresAt),
    absoluteExpiresAt: Number(fields.absoluteExpiresAt),
    userAgent: fields.userAgent ?? null,
    ip: fields.ip ?? null,
  };
}

/** When a session stops being live: the earlier of its two deadlines. */
export function effectiveExpiry(session: Pick<SessionRecord, 'idleExpiresAt' | 'absoluteExpiresAt'>): number {
  return Math.min(session.idleExpiresAt, session.absoluteExpiresAt);
}
