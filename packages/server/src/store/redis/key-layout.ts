import type { Strategy } from '@gatehouse/core';

/**
 * Every Redis key the store uses, in one place. Cluster rules:
 * - A user's records (user hash, sessions, their refresh-token families, their reset token) share
 *   the hash tag `{u:<userId>}`, so each atomic decision is one script in one slot. The Lua scripts
 *   derive the per-session and per-token keys from `userBase` with the same suffixes as below
 *   (lua/lib.lua).
 * - Routing entries (email, session id, refresh hash, reset hash → user id) carry no tag: each lives
 *   in its own slot and only says where to look. Scripts re-check the real record, so a stale entry
 *   grants nothing.
 * - Global collections have their own tags: `{users}`, `{sessions}`, `{resets}`, `{keys}`, `{audit}`.
 * Ids are URI-encoded inside key names: that keeps `{`, `}` and `:` in an id from moving the hash
 * tag or making two different ids spell the same key.
 */
export interface KeyLayout {
  /** `<prefix>{u:<userId>}`: the common start of all of one user's keys. */
  userBase(userId: string): string;
  user(base: string): string;
  /** Sorted set: encoded session id → createdAt. */
  userSessions(base: string): string;
  session(base: string, sessionId: string): string;
  /** Set of the session's encoded refresh-token hashes (its family). */
  sessionTokens(base: string, sessionId: string): string;
  refreshToken(base: string, hash: string): string;
  /** Hash: the user's one password-reset token (`hash`, `createdAt`, `expiresAt`). */
  resetToken(base: string): string;

  emailRoute(email: string): string;
  sessionRoute(sessionId: string): string;
  refreshRoute(hash: string): string;
  resetRoute(hash: string): string;

  /** Sorted set (all scores 0, so ordered by bytes): `<email>\0<encoded user id>`. */
  readonly emails: string;
  /** Sorted set per strategy: `<encoded user id>/<encoded session id>` → min(idle, absolute expiry). */
  liveSessions(strategy: Strategy): string;
  /** Sorted set: `<encoded user id>/<encoded token hash>` → the reset token's expiresAt. */
  readonly resetExpiry: string;

  readonly keyRecords: string;
  readonly retiredKeys: string;
  readonly activeKey: string;

  /** Sorted set: a pending revocation (its row as JSON) → when it was recorded (the outbox). */
  readonly revocationOutbox: string;

  readonly auditEvents: string;
  readonly auditByTime: string;
  auditByUser(userId: string): string;
}

export const encodeId = (id: string): string => encodeURIComponent(id);
export const decodeId = (encoded: string): string => decodeURIComponent(encoded);

export function createKeyLayout(prefix: string): KeyLayout {
  // A brace in the prefix would become the hash tag of every key and defeat the layout above.
  if (/[{}]/.test(prefix)) throw new TypeError('redis: keyPrefix must not contain { or }');
  return {
    userBase: (userId) => `${prefix}{u:${encodeId(userId)}}`,
    user: (base) => `${base}:user`,
    userSessions: (base) => `${base}:sessions`,
    session: (base, sessionId) => `${base}:s:${encodeId(sessionId)}`,
    sessionTokens: (base, sessionId) => `${base}:s:${encodeId(sessionId)}:tokens`,
    refreshToken: (base, hash) => `${base}:r:${encodeId(hash)}`,
    resetToken: (base) => `${base}:reset`,

    emailRoute: (email) => `${prefix}email:${encodeId(email)}`,
    sessionRoute: (sessionId) => `${prefix}sid:${encodeId(sessionId)}`,
    refreshRoute: (hash) => `${prefix}rt:${encodeId(hash)}`,
    resetRoute: (hash) => `${prefix}reset:${encodeId(hash)}`,

    emails: `${prefix}{users}:emails`,
    liveSessions: (strategy) => `${prefix}{sessions}:live:${strategy}`,
    resetExpiry: `${prefix}{resets}:by-expiry`,

    keyRecords: `${prefix}{keys}:records`,
    retiredKeys: `${prefix}{keys}:retired`,
    activeKey: `${prefix}{keys}:active`,

    revocationOutbox: `${prefix}{revocations}:outbox`,

    auditEvents: `${prefix}{audit}:events`,
    auditByTime: `${prefix}{audit}:by-time`,
    auditByUser: (userId) => `${prefix}{audit}:user:${encodeId(userId)}`,
  };
}
