import type { RevocationEvent } from '../../revocation/revocation-event.ts';
import { fromRevocationRow, toRevocationRow } from '../../revocation/revocation-row.ts';
import type { RevocationStore } from '../../store/types.ts';
import type { MemoryState } from './state.ts';

/** Records (merges) the events; pending since `pendingSince` unless that is undefined. */
export function recordRevocations(
  { revocations }: MemoryState,
  events: RevocationEvent[],
  pendingSince?: number,
): void {
  for (const event of events) {
    const row = toRevocationRow(event);
    const key = `${row.kind}:${row.id}`;
    const known = revocations.get(key);
    revocations.set(key, {
      ...row,
      until: Math.max(row.until, known?.until ?? row.until),
      before: row.before === null ? null : Math.max(row.before, known?.before ?? row.before),
      pendingSince: known?.pendingSince ?? pendingSince ?? null,
    });
  }
}

export function createMemoryRevocationStore(state: MemoryState): RevocationStore {
  const { revocations } = state;
  return {
    async record(events, pendingSince) {
      recordRevocations(state, events, pendingSince);
    },
    async listLive(since) {
      return [...revocations.values()]
        .filter((row) => row.until >= since)
        .flatMap((row) => fromRevocationRow(row) ?? []);
    },
    async deleteExpired(before) {
      let count = 0;
      for (const [key, row] of revocations) if (row.until < before && revocations.delete(key)) count++;
      return count;
    },
    async listPending(olderThan, liveSince, limit) {
      return [...revocations.values()]
        .filter((row) => row.pendingSince !== null && row.pendingSince < olderThan && row.until >= liveSince)
        .sort((a, b) => (a.pendingSince ?? 0) - (b.pendingSince ?? 0))
        .slice(0, limit)
        .flatMap((row) => fromRevocationRow(row) ?? []);
    },
    async markPublished(events) {
      for (const event of events) {
        const published = toRevocationRow(event);
        const row = revocations.get(`${published.kind}:${published.id}`);
        if (row && covers(published, row)) row.pendingSince = null;
      }
    },
  };
}

/** A published event covers a row when the row asks for nothing more than the event did. */
function covers(
  published: ReturnType<typeof toRevocationRow>,
  row: ReturnType<typeof toRevocationRow>,
): boolean {
  return row.until <= published.until && (row.before ?? 0) <= (published.before ?? 0);
}
