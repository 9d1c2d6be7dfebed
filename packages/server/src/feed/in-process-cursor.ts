/**
 * The cursors of one in-process feed (`epoch.sequence`, packages/core in-process-feed.ts), told
 * apart from any other text by its epoch and ordered by sequence number, for a shared tail over it.
 */
export function inProcessCursors(head: string): {
  isCursor(value: string): boolean;
  compare(a: string, b: string): number;
} {
  const prefix = head.slice(0, head.lastIndexOf('.') + 1);
  const sequence = (cursor: string) => Number(cursor.slice(prefix.length));
  return {
    isCursor: (value) => value.startsWith(prefix) && /^\d{1,15}$/.test(value.slice(prefix.length)),
    compare: (a, b) => Math.sign(sequence(a) - sequence(b)),
  };
}
