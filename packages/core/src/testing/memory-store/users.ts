import type { UserRecord, UserStore } from '../../store/types.ts';
import { appendAudit, copy, deleteResetTokensOf, deleteSession, type MemoryState } from './state.ts';

export function createMemoryUserStore(state: MemoryState): UserStore {
  const { users, sessions } = state;
  return {
    async create(user, audit) {
      for (const existing of users.values()) if (existing.email === user.email) return false;
      if (users.has(user.id)) return false;
      users.set(user.id, copy(user));
      appendAudit(state, audit);
      return true;
    },
    async getById(id) {
      const user = users.get(id);
      return user ? copy(user) : null;
    },
    async getByEmail(email) {
      for (const user of users.values()) if (user.email === email) return copy(user);
      return null;
    },
    async update(id, patch) {
      const user = users.get(id);
      if (!user) return null;
      // A field present but undefined means "unchanged", as in the SQL backends.
      const changes = Object.entries(copy(patch)).filter(([, value]) => value !== undefined);
      const updated: UserRecord = { ...user, ...Object.fromEntries(changes) };
      users.set(id, updated);
      return copy(updated);
    },
    async delete(id) {
      if (!users.delete(id)) return false;
      for (const session of [...sessions.values()])
        if (session.userId === id) deleteSession(state, session.id);
      deleteResetTokensOf(state, id);
      return true;
    },
    async list({ query, limit, offset }) {
      const needle = query?.toLowerCase() ?? '';
      return [...users.values()]
        .filter((user) => user.email.includes(needle))
        .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0))
        .slice(offset, offset + limit)
        .map(copy);
    },
    async count({ query }) {
      const needle = query?.toLowerCase() ?? '';
      return [...users.values()].filter((user) => user.email.includes(needle)).length;
    },
  };
}
