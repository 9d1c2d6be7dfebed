import type { Pool } from 'pg';
import {
  fromRevocationRow,
  type RevocationRow,
  type RevocationStore,
  toRevocationRow,
} from '@gatehouse/core';

export function createPostgresRevocationStore(pool: Pool): RevocationStore {
  return {
    async record(events) {
      if (events.length === 0) return;
      const rows = events.map(toRevocationRow);
      // One statement for the batch; recording again keeps the later `until` and `before`.
      // A batch naming one key twice is folded first: ON CONFLICT cannot touch a row twice.
      const byKey = new Map<string, RevocationRow>();
      for (const row of rows) {
        const key = `${row.kind}:${row.id}`;
        const known = byKey.get(key);
        byKey.set(key, {
          ...row,
          until: Math.max(row.until, known?.until ?? row.until),
          before:
            row.before === null ? (known?.before ?? null) : Math.max(row.before, known?.before ?? row.before),
        });
      }
      const unique = [...byKey.values()];
      await pool.query(
        `INSERT INTO revocations (kind, id, sub, before, until)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
         ON CONFLICT (kind, id) DO UPDATE SET
           sub = coalesce(excluded.sub, revocations.sub),
           before = greatest(excluded.before, revocations.before),
           until = greatest(excluded.until, revocations.until)`,
        [
          unique.map((row) => row.kind),
          unique.map((row) => row.id),
          unique.map((row) => row.sub),
          unique.map((row) => row.before),
          unique.map((row) => row.until),
        ],
      );
    },
    async listLive(since) {
      const { rows } = await pool.query(
        'SELECT kind, id, sub, before, until FROM revocations WHERE until >= $1',
        [since],
      );
      return rows.flatMap((row: RevocationRow) => fromRevocationRow(row) ?? []);
    },
    async deleteExpired(before) {
      const result = await pool.query('DELETE FROM revocations WHERE until < $1', [before]);
      return result.rowCount ?? 0;
    },
  };
}
