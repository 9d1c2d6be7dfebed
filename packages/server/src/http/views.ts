import type { SessionRecord } from '@gatehouse/core';

/** Times go out as ISO 8601 strings (UTC). */
export function toIsoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * When the session ends if left alone: the idle deadline, which never passes the absolute one.
 * Use moves it forward.
 */
export function sessionExpiresAt(session: SessionRecord): string {
  return toIsoTime(Math.min(session.idleExpiresAt, session.absoluteExpiresAt));
}

/** A session as its owner sees it in `GET /auth/sessions`. Never the secret hash. */
export function toSessionSummary(session: SessionRecord, currentSessionId: string) {
  return {
    id: session.id,
    strategy: session.strategy,
    createdAt: toIsoTime(session.createdAt),
    lastSeenAt: toIsoTime(session.lastSeenAt),
    expiresAt: sessionExpiresAt(session),
    userAgent: session.userAgent,
    ip: session.ip,
    current: session.id === currentSessionId,
  };
}
