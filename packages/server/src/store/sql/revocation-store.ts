import {
  fromRevocationRow,
  type RevocationEvent,
  type RevocationRow,
  type RevocationStore,
  toRevocationRow,
} from '@gatehouse/core';
import type { SqlDriver } from './driver.ts';
import { count, execute, rows, type SqlProgram } from './program.ts';

/** Rows per INSERT: 500 values, far below either database's limit on parameters. */
const BATCH = 100;

/**
 * Recording an event again keeps the later `until` and `before`, as a verifier's set does. Written
 * with CASE rather than `max`/`greatest`, which the two dialects spell (and treat NULL) differently.
 */
function upsert(rowCount: number): string {
  const values = Array.from({ length: rowCount }, () => '(?, ?, ?, ?, ?)').join(', ');
  return `
    INSERT INTO revocations (kind, id, sub, before, until) VALUES ${values}
    ON CONFLICT (kind, id) DO UPDATE SET
      sub = coalesce(excluded.sub, revocations.sub),
      before = CASE
        WHEN excluded.before IS NULL THEN revocations.before
        WHEN revocations.before IS NULL OR excluded.before > revocations.before THEN excluded.before
        ELSE revocations.before END,
      until = CASE WHEN excluded.until > revocations.until THEN excluded.until ELSE revocations.until END
  `;
}

/** One row per key, merged as the upsert would: one statement cannot touch a row twice. */
function fold(events: RevocationEvent[]): RevocationRow[] {
  const byKey = new Map<string, RevocationRow>();
  for (const next of events.map(toRevocationRow)) {
    const key = `${next.kind}:${next.id}`;
    const known = byKey.get(key);
    byKey.set(key, {
      ...next,
      sub: next.sub ?? known?.sub ?? null,
      until: Math.max(next.until, known?.until ?? next.until),
      before:
        next.before === null ? (known?.before ?? null) : Math.max(next.before, known?.before ?? next.before),
    });
  }
  return [...byKey.values()];
}

function* record(unique: RevocationRow[]): SqlProgram<void> {
  for (let start = 0; start < unique.length; start += BATCH) {
    const batch = unique.slice(start, start + BATCH);
    yield* execute(
      upsert(batch.length),
      ...batch.flatMap((row) => [row.kind, row.id, row.sub, row.before, row.until]),
    );
  }
}

function* listLive(since: number): SqlProgram<RevocationEvent[]> {
  const live = yield* rows('SELECT kind, id, sub, before, until FROM revocations WHERE until >= ?', since);
  return live.flatMap((row) => fromRevocationRow(row as unknown as RevocationRow) ?? []);
}

export function createSqlRevocationStore({ run, transaction }: SqlDriver): RevocationStore {
  return {
    async record(events) {
      if (events.length === 0) return;
      const unique = fold(events);
      await (unique.length > BATCH ? transaction(record(unique)) : run(record(unique)));
    },
    listLive: (since) => run(listLive(since)),
    deleteExpired: (before) => run(count('DELETE FROM revocations WHERE until < ?', before)),
  };
}
