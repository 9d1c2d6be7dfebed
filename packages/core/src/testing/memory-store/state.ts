import type { RevocationRow } from '../../revocation/revocation-row.ts';
import type {
  AuditEvent,
  RefreshTokenRecord,
  ResetTokenRecord,
  SessionRecord,
  SigningKeyRecord,
  UserRecord,
} from '../../store/types.ts';

/** Everything the memory store holds; its sub-stores share it. */
export interface MemoryState {
  users: Map<string, UserRecord>;
  sessions: Map<string, SessionRecord>;
  refresh: Map<string, RefreshTokenRecord>;
  keys: Map<string, SigningKeyRecord>;
  audit: AuditEvent[];
  /** Reset tokens by hash; at most one per user. */
  resets: Map<string, ResetTokenRecord>;
  /** Durable revocations by `kind:id`; `pendingSince` null once the feed carries them. */
  revocations: Map<string, RevocationRow & { pendingSince: number | null }>;
}

export function createMemoryState(): MemoryState {
  return {
    users: new Map(),
    sessions: new Map(),
    refresh: new Map(),
    keys: new Map(),
    audit: [],
    resets: new Map(),
    revocations: new Map(),
  };
}

export const copy = <T>(value: T): T => structuredClone(value);

/** Appends a copy of `event`, if there is one: the audit store's append, and a write's own event. */
export function appendAudit(state: MemoryState, event: AuditEvent | undefined): void {
  if (event) state.audit.push(copy(event));
}

export function deleteResetTokensOf({ resets }: MemoryState, userId: string): number {
  let count = 0;
  for (const [hash, token] of resets) {
    if (token.userId === userId) {
      resets.delete(hash);
      count++;
    }
  }
  return count;
}

/** Deletes a session with its refresh tokens; returns a copy of the session, or null if none. */
export function deleteSession({ sessions, refresh }: MemoryState, id: string): SessionRecord | null {
  const session = sessions.get(id);
  if (!session) return null;
  sessions.delete(id);
  for (const [hash, token] of refresh) if (token.sessionId === id) refresh.delete(hash);
  return copy(session);
}
