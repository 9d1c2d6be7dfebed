import type { GatehouseStore } from '@gatehouse/core';
import { createSqlAuditStore } from './audit-store.ts';
import type { SqlDriver } from './driver.ts';
import { createSqlKeyStore } from './key-store.ts';
import { createSqlRefreshTokenStore } from './refresh-token-store.ts';
import { createSqlResetTokenStore } from './reset-token-store.ts';
import { createSqlRevocationStore } from './revocation-store.ts';
import { createSqlSessionStore } from './session-store.ts';
import { createSqlUserStore } from './user-store.ts';

export type SqlSubStores = Omit<GatehouseStore, 'kind' | 'ping' | 'close'>;

/** Every sub-store of a SQL backend, written once over the driver seam (sql/driver.ts). */
export function createSqlSubStores(driver: SqlDriver): SqlSubStores {
  const revocations = createSqlRevocationStore(driver);
  return {
    users: createSqlUserStore(driver),
    sessions: createSqlSessionStore(driver),
    refreshTokens: createSqlRefreshTokenStore(driver),
    keys: createSqlKeyStore(driver),
    audit: createSqlAuditStore(driver),
    resetTokens: createSqlResetTokenStore(driver),
    revocations,
    revocationOutbox: revocations,
  };
}
