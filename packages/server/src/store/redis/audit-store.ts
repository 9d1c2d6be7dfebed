import type { AuditEvent, AuditQuery, AuditStore } from '@gatehouse/core';
import { type RedisStoreContext, execTransaction } from './context.ts';

const BATCH_MAX = 1000;
const BATCH_MIN = 100;

/**
 * Audit events share the `{audit}` slot: a hash of events (id → JSON), a sorted set of ids by time,
 * and one sorted set per user (actor or subject), so a user's history is read without a full scan.
 */
export function createRedisAuditStore({ client, keys }: RedisStoreContext): AuditStore {
  const usersOf = (event: Pick<AuditEvent, 'actorId' | 'subjectId'>) =>
    [...new Set([event.actorId, event.subjectId])].filter((id): id is string => id !== null);

  return {
    async append(event) {
      const transaction = client
        .multi()
        .hset(keys.auditEvents, event.id, JSON.stringify(event))
        .zadd(keys.auditByTime, event.at, event.id);
      for (const userId of usersOf(event)) transaction.zadd(keys.auditByUser(userId), event.at, event.id);
      await execTransaction(transaction);
    },

    async query(query: AuditQuery) {
      if (query.limit <= 0) return [];
      const source = query.userId === undefined ? keys.auditByTime : keys.auditByUser(query.userId);
      const max = query.to ?? '+inf';
      const min = query.from ?? '-inf';
      // Without a type filter one batch of `limit` ids is the answer; with one, read on until full.
      const batch = Math.min(Math.max(query.limit, BATCH_MIN), BATCH_MAX);
      const found: AuditEvent[] = [];
      for (let offset = 0; ; offset += batch) {
        const ids = await client.zrevrangebyscore(source, max, min, 'LIMIT', offset, batch);
        if (ids.length === 0) return found;
        for (const json of await client.hmget(keys.auditEvents, ...ids)) {
          if (json === null) continue;
          const event = toAuditEvent(JSON.parse(json));
          if (query.type !== undefined && event.type !== query.type) continue;
          found.push(event);
          if (found.length === query.limit) return found;
        }
        if (ids.length < batch) return found;
      }
    },

    async deleteBefore(before) {
      let deleted = 0;
      for (;;) {
        const ids = await client.zrangebyscore(keys.auditByTime, '-inf', `(${before}`, 'LIMIT', 0, BATCH_MAX);
        if (ids.length === 0) return deleted;
        const events = await client.hmget(keys.auditEvents, ...ids);
        const transaction = client
          .multi()
          .zrem(keys.auditByTime, ...ids)
          .hdel(keys.auditEvents, ...ids);
        events.forEach((json, index) => {
          if (json === null) return;
          for (const userId of usersOf(toAuditEvent(JSON.parse(json)))) {
            transaction.zrem(keys.auditByUser(userId), ids[index]!);
          }
        });
        // ZREM's count, not ids.length: a concurrent deleteBefore must not make both count an event.
        deleted += (await execTransaction(transaction))[0] as number;
      }
    },
  };
}

/** Copies the known fields only. */
function toAuditEvent(stored: AuditEvent): AuditEvent {
  return {
    id: stored.id,
    type: stored.type,
    at: stored.at,
    actorId: stored.actorId,
    subjectId: stored.subjectId,
    sessionId: stored.sessionId,
    ip: stored.ip,
    userAgent: stored.userAgent,
    data: stored.data,
  };
}
