import { fromRevocationRow, toRevocationRow } from '../../revocation/revocation-row.ts';
import type { RevocationStore } from '../../store/types.ts';
import type { MemoryState } from './state.ts';

export function createMemoryRevocationStore({ revocations }: MemoryState): RevocationStore {
  return {
    async record(events) {
      for (const event of events) {
        const row = toRevocationRow(event);
        const key = `${row.kind}:${row.id}`;
        const known = revocations.get(key);
        revocations.set(key, {
          ...row,
          until: Math.max(row.until, known?.until ?? row.until),
          before: row.before === null ? null : Math.max(row.before, known?.before ?? row.before),
        });
      }
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
  };
}
