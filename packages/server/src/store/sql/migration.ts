/** One step of a backend's schema history. Versions only ever grow; a shipped migration never changes. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The migrations still to apply on a database at `currentVersion`. Refuses a database migrated by a
 * newer Gatehouse: this code would not know its schema.
 */
export function selectPendingMigrations(
  migrations: readonly Migration[],
  currentVersion: number,
): Migration[] {
  const latest = migrations.at(-1)?.version ?? 0;
  if (currentVersion > latest) {
    throw new Error(
      `database schema is at version ${currentVersion}, newer than this Gatehouse knows (${latest})`,
    );
  }
  return migrations.filter((migration) => migration.version > currentVersion);
}
