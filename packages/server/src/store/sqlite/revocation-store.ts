import type { DatabaseSync } from 'node:sqlite';
import {
  fromRevocationRow,
  type RevocationRow,
  type RevocationStore,
  toRevocationRow,
} from '@gatehouse/core';
import { runInImmediateTransaction } from './transaction.ts';

export function createSqliteRevocationStore(db: DatabaseSync): RevocationStore {
  // Recording an event again keeps the later `until` and `before`, as a verifier's set does.
  const upsert = db.prepare(`
    INSERT INTO revocations (kind, id, sub, before, until) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (kind, id) DO UPDATE SET
      sub = coalesce(excluded.sub, revocations.sub),
      before = CASE WHEN excluded.before IS NULL THEN revocations.before
        ELSE max(excluded.before, coalesce(revocations.before, excluded.before)) END,
      until = max(excluded.until, revocations.until)
  `);
  const live = db.prepare('SELECT kind, id, sub, before, until FROM revocations WHERE until >= ?');
  const deleteExpired = db.prepare('DELETE FROM revocations WHERE until < ?');

  return {
    async record(events) {
      if (events.length === 0) return;
      runInImmediateTransaction(db, () => {
        for (const event of events) {
          const row = toRevocationRow(event);
          upsert.run(row.kind, row.id, row.sub, row.before, row.until);
        }
      });
    },
    async listLive(since) {
      return live.all(since).flatMap((row) => fromRevocationRow(row as unknown as RevocationRow) ?? []);
    },
    async deleteExpired(before) {
      return Number(deleteExpired.run(before).changes);
    },
  };
}
