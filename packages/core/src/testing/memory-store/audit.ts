import type { AuditQuery, AuditStore } from '../../store/types.ts';
import { appendAudit, copy, type MemoryState } from './state.ts';

export function createMemoryAuditStore(state: MemoryState): AuditStore {
  return {
    async append(event) {
      appendAudit(state, event);
    },
    async query(query: AuditQuery) {
      return state.audit
        .filter(
          (event) =>
            (query.userId === undefined ||
              event.actorId === query.userId ||
              event.subjectId === query.userId) &&
            (query.type === undefined || event.type === query.type) &&
            (query.from === undefined || event.at >= query.from) &&
            (query.to === undefined || event.at <= query.to),
        )
        .sort((a, b) => b.at - a.at)
        .slice(0, query.limit)
        .map(copy);
    },
    async deleteBefore(before) {
      const kept = state.audit.filter((event) => event.at >= before);
      const removed = state.audit.length - kept.length;
      state.audit = kept;
      return removed;
    },
  };
}
