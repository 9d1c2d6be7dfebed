import { isSessionLive } from '../../refresh/rotation-rule.ts';
import type { SessionRecord, SessionStore, Strategy } from '../../store/types.ts';
import { issueToken } from './refresh-tokens.ts';
import { appendAudit, copy, deleteSession, type MemoryState } from './state.ts';

export function createMemorySessionStore(state: MemoryState): SessionStore {
  const { sessions } = state;
  return {
    async create(session, audit, refreshTokenHash) {
      sessions.set(session.id, copy(session));
      if (refreshTokenHash !== undefined)
        issueToken(state, { hash: refreshTokenHash, sessionId: session.id, createdAt: session.createdAt });
      appendAudit(state, audit);
    },
    async get(id) {
      const session = sessions.get(id);
      return session ? copy(session) : null;
    },
    async getWithUser(id) {
      const session = sessions.get(id);
      const user = session && state.users.get(session.userId);
      return session ? { session: copy(session), user: user ? copy(user) : null } : null;
    },
    async touch(id, lastSeenAt, idleExpiresAt) {
      const session = sessions.get(id);
      if (!session) return false;
      session.lastSeenAt = lastSeenAt;
      session.idleExpiresAt = idleExpiresAt;
      return true;
    },
    async revoke(id, audit) {
      const revoked = deleteSession(state, id);
      if (revoked) appendAudit(state, audit);
      return revoked;
    },
    async revokeAllForUser(userId, exceptId) {
      const revoked: SessionRecord[] = [];
      for (const session of [...sessions.values()]) {
        if (session.userId === userId && session.id !== exceptId)
          revoked.push(deleteSession(state, session.id)!);
      }
      return revoked;
    },
    async listForUser(userId, now) {
      return [...sessions.values()]
        .filter((session) => session.userId === userId && isSessionLive(session, now))
        .sort((a, b) => b.createdAt - a.createdAt)
        .map(copy);
    },
    async deleteExpired(now) {
      let count = 0;
      for (const session of [...sessions.values()]) {
        if (!isSessionLive(session, now)) {
          deleteSession(state, session.id);
          count++;
        }
      }
      return count;
    },
    async countActive(now) {
      const counts: Record<Strategy, number> = { session: 0, hybrid: 0, token: 0 };
      for (const session of sessions.values()) if (isSessionLive(session, now)) counts[session.strategy]++;
      return counts;
    },
  };
}
