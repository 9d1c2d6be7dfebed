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
 * Recording an event again keeps the later `until` and `before`, as a verifier's set does, and a
 * row already pending stays pending since its first recording (one not pending becomes pending
 * again when `pendingSince` is given). Written
 * with CASE rather than `max`/`greatest`, which the two dialects spell (and treat NULL) differently.
 */
function upsert(rowCount: number): string {
  const values = Array.from({ length: rowCount }, () => '(?, ?, ?, ?, ?, ?)').join(', ');
  return `
    INSERT INTO revocations (kind, id, sub, before, until, pending_since) VALUES ${values}
    ON CONFLICT (kind, id) DO UPDATE SET
      pending_since = coalesce(revocations.pending_since, excluded.pending_since),
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

function* record(unique: RevocationRow[], pendingSince: number | null): SqlProgram<void> {
  for (let start = 0; start < unique.length; start += BATCH) {
    const batch = unique.slice(start, start + BATCH);
    yield* execute(
      upsert(batch.length),
      ...batch.flatMap((row) => [row.kind, row.id, row.sub, row.before, row.until, pendingSince]),
    );
  }
}

/**
 * Records the events pending since `pendingSince`, inside the caller's transaction: the rotation
 * records the revocation of a session it deletes for reuse with the deletion (the outbox).
 */
export function* recordPending(events: RevocationEvent[], pendingSince: number): SqlProgram<void> {
  yield* record(fold(events), pendingSince);
}

function* listPending(olderThan: number, liveSince: number, limit: number): SqlProgram<RevocationEvent[]> {
  const pending = yield* rows(
    `SELECT kind, id, sub, before, until FROM revocations
     WHERE pending_since IS NOT NULL AND pending_since < ? AND until >= ?
     ORDER BY pending_since LIMIT ?`,
    olderThan,
    liveSince,
    limit,
  );
  return pending.flatMap((row) => fromRevocationRow(row as unknown as RevocationRow) ?? []);
}

/** Clears `pending_since` on the rows the published events cover (a later recording stays pending). */
function* markPublished(unique: RevocationRow[]): SqlProgram<void> {
  for (let start = 0; start < unique.length; start += BATCH) {
    const batch = unique.slice(start, start + BATCH);
    const covered = batch
      .map(() => '(kind = ? AND id = ? AND until <= ? AND coalesce(before, 0) <= ?)')
      .join(' OR ');
    yield* execute(
      `UPDATE revocations SET pending_since = NULL WHERE pending_since IS NOT NULL AND (${covered})`,
      ...batch.flatMap((row) => [row.kind, row.id, row.until, row.before ?? 0]),
    );
  }
}

function* listLive(since: number): SqlProgram<RevocationEvent[]> {
  const live = yield* rows('SELECT kind, id, sub, before, until FROM revocations WHERE until >= ?', since);
  return live.flatMap((row) => fromRevocationRow(row as unknown as RevocationRow) ?? []);
}

export function createSqlRevocationStore({ run, transaction }: SqlDriver): RevocationStore {
  return {
    async record(events, pendingSince) {
      if (events.length === 0) return;
      const unique = fold(events);
      const program = record(unique, pendingSince ?? null);
      await (unique.length > BATCH ? transaction(program) : run(program));
    },
    listLive: (since) => run(listLive(since)),
    deleteExpired: (before) => run(count('DELETE FROM revocations WHERE until < ?', before)),
    listPending: (olderThan, liveSince, limit) => run(listPending(olderThan, liveSince, limit)),
    async markPublished(events) {
      if (events.length === 0) return;
      const unique = fold(events);
      const program = markPublished(unique);
      await (unique.length > BATCH ? transaction(program) : run(program));
    },
  };
}
