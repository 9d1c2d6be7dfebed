import type { GatehouseStore } from '@gatehouse/core';
import { createSqliteAuditStore } from './audit-store.ts';
import { openSqliteDatabase } from './database.ts';
import { createSqliteKeyStore } from './key-store.ts';
import { applySqliteMigrations } from './migrate.ts';
import { createSqliteRefreshTokenStore } from './refresh-token-store.ts';
import { createSqliteResetTokenStore } from './reset-token-store.ts';
import { createSqliteRevocationStore } from './revocation-store.ts';
import { createSqliteSessionStore } from './session-store.ts';
import { createSqliteUserStore } from './user-store.ts';

export interface SqliteStoreOptions {
  /** Database file, created if missing; `:memory:` for a private, throw-away database. */
  path: string;
}

/**
 * The embedded backend: one SQLite file (WAL mode) via `node:sqlite`, migrated on open. Safe to
 * share between processes on one machine; every multi-statement operation is one transaction.
 *
 * @example
 * const store = await openSqliteStore({ path: './data/gatehouse.db' });
 * const auth = createAuth({ store });
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<GatehouseStore> {
  const db = openSqliteDatabase(options.path);
  try {
    applySqliteMigrations(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return {
    kind: 'sqlite',
    users: createSqliteUserStore(db),
    sessions: createSqliteSessionStore(db),
    refreshTokens: createSqliteRefreshTokenStore(db),
    keys: createSqliteKeyStore(db),
    audit: createSqliteAuditStore(db),
    resetTokens: createSqliteResetTokenStore(db),
    revocations: createSqliteRevocationStore(db),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (db.isOpen) db.close();
    },
  };
}
