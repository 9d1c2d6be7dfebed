import type { GatehouseStore } from '../store/types.ts';
import { createMemoryAuditStore } from './memory-store/audit.ts';
import { createMemoryKeyStore } from './memory-store/keys.ts';
import { createMemoryRefreshTokenStore } from './memory-store/refresh-tokens.ts';
import { createMemoryResetTokenStore } from './memory-store/reset-tokens.ts';
import { createMemoryRevocationStore } from './memory-store/revocations.ts';
import { createMemorySessionStore } from './memory-store/sessions.ts';
import { createMemoryState } from './memory-store/state.ts';
import { createMemoryUserStore } from './memory-store/users.ts';

/**
 * In-memory store for tests and single-process experiments. Every method completes synchronously
 * inside its promise, so each one is atomic with respect to the others.
 */
export function createMemoryStore(): GatehouseStore {
  const state = createMemoryState();
  const revocations = createMemoryRevocationStore(state);
  return {
    kind: 'memory',
    users: createMemoryUserStore(state),
    sessions: createMemorySessionStore(state),
    refreshTokens: createMemoryRefreshTokenStore(state),
    keys: createMemoryKeyStore(state),
    audit: createMemoryAuditStore(state),
    resetTokens: createMemoryResetTokenStore(state),
    revocations,
    revocationOutbox: revocations,
    async ping() {},
    async close() {},
  };
}
