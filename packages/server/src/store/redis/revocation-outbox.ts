import {
  fromRevocationRow,
  type RevocationEvent,
  type RevocationOutbox,
  type RevocationRow,
  toRevocationRow,
} from '@gatehouse/core';
import type { RedisStoreContext } from './context.ts';
import { writeConfirmed } from './replica-wait.ts';

/** The member naming an event: its row as JSON, keys in one order, so publish and record agree. */
function member(event: RevocationEvent): string {
  const { kind, id, sub, before, until } = toRevocationRow(event);
  return JSON.stringify({ kind, id, sub, before, until });
}

/**
 * The Redis store's outbox (docs/design.md §5): the revocation of a session reuse detection is
 * about to delete, recorded before the rotation script deletes it (the script refuses to declare a
 * reuse until then), removed once the feed carries it. The Redis store keeps no other revocations:
 * the feed's own Redis is their copy.
 */
export interface RedisRevocationOutbox extends RevocationOutbox {
  recordPending(event: RevocationEvent, pendingSince: number): Promise<void>;
}

export function createRedisRevocationOutbox({
  client,
  keys,
  confirmed,
}: RedisStoreContext): RedisRevocationOutbox {
  const key = keys.revocationOutbox;
  return {
    async recordPending(event, pendingSince) {
      // NX: a member already pending keeps its first date. The reuse revocation it records must
      // survive a failover as surely as the rotation that follows it.
      const args = [key, 'NX', String(pendingSince), member(event)] as const;
      if (confirmed) await writeConfirmed(confirmed, (pipeline) => pipeline.zadd(...args));
      else await client.zadd(...args);
    },
    async listPending(olderThan, liveSince, limit) {
      const members = await client.zrangebyscore(key, '-inf', `(${olderThan}`, 'LIMIT', 0, limit);
      const events: RevocationEvent[] = [];
      const dead: string[] = [];
      for (const text of members) {
        let event: RevocationEvent | null = null;
        try {
          event = fromRevocationRow(JSON.parse(text) as RevocationRow);
        } catch {}
        if (event && event.until >= liveSince) events.push(event);
        else dead.push(text);
      }
      // Expired (or unreadable): nothing left to protect.
      if (dead.length > 0) await client.zrem(key, ...dead);
      return events;
    },
    async markPublished(events) {
      if (events.length > 0) await client.zrem(key, ...events.map(member));
    },
  };
}
