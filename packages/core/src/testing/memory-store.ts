import type {
  AuditEvent,
  AuditQuery,
  GatehouseStore,
  RefreshTokenRecord,
  ResetTokenRecord,
  RotateRefreshInput,
  RotateRefreshResult,
  SessionRecord,
  SigningKeyRecord,
  Strategy,
  UserRecord,
} from '../store/types.ts';
import { fromRevocationRow, type RevocationRow, toRevocationRow } from '../revocation/revocation-row.ts';
import {
  chooseRotationStep,
  isSessionLive,
  isSuccessorUsed,
  sessionAfterRotation,
} from '../refresh/rotation-rule.ts';

const copy = <T>(value: T): T => structuredClone(value);

/**
 * In-memory store for tests and single-process experiments. Every method completes synchronously
 * inside its promise, so each one is atomic with respect to the others.
 */
export function createMemoryStore(): GatehouseStore {
  const users = new Map<string, UserRecord>();
  const sessions = new Map<string, SessionRecord>();
  const refresh = new Map<string, RefreshTokenRecord>();
  const keys = new Map<string, SigningKeyRecord>();
  let audit: AuditEvent[] = [];
  /** Reset tokens by hash; at most one per user. */
  const resets = new Map<string, ResetTokenRecord>();
  /** Durable revocations by `kind:id`. */
  const revocations = new Map<string, RevocationRow>();

  function deleteResetTokensOf(userId: string): number {
    let count = 0;
    for (const [hash, token] of resets) {
      if (token.userId === userId) {
        resets.delete(hash);
        count++;
      }
    }
    return count;
  }

  function deleteSession(id: string): SessionRecord | null {
    const session = sessions.get(id);
    if (!session) return null;
    sessions.delete(id);
    for (const [hash, token] of refresh) if (token.sessionId === id) refresh.delete(hash);
    return copy(session);
  }

  return {
    kind: 'memory',
    users: {
      async create(user) {
        for (const existing of users.values()) if (existing.email === user.email) return false;
        if (users.has(user.id)) return false;
        users.set(user.id, copy(user));
        return true;
      },
      async getById(id) {
        const user = users.get(id);
        return user ? copy(user) : null;
      },
      async getByEmail(email) {
        for (const user of users.values()) if (user.email === email) return copy(user);
        return null;
      },
      async update(id, patch) {
        const user = users.get(id);
        if (!user) return null;
        // A field present but undefined means "unchanged", as in the SQL backends.
        const changes = Object.entries(copy(patch)).filter(([, value]) => value !== undefined);
        const updated: UserRecord = { ...user, ...Object.fromEntries(changes) };
        users.set(id, updated);
        return copy(updated);
      },
      async delete(id) {
        if (!users.delete(id)) return false;
        for (const session of [...sessions.values()]) if (session.userId === id) deleteSession(session.id);
        deleteResetTokensOf(id);
        return true;
      },
      async list({ query, limit, offset }) {
        const needle = query?.toLowerCase() ?? '';
        return [...users.values()]
          .filter((user) => user.email.includes(needle))
          .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0))
          .slice(offset, offset + limit)
          .map(copy);
      },
      async count({ query }) {
        const needle = query?.toLowerCase() ?? '';
        return [...users.values()].filter((user) => user.email.includes(needle)).length;
      },
    },
    sessions: {
      async create(session) {
        sessions.set(session.id, copy(session));
      },
      async get(id) {
        const session = sessions.get(id);
        return session ? copy(session) : null;
      },
      async touch(id, lastSeenAt, idleExpiresAt) {
        const session = sessions.get(id);
        if (!session) return false;
        session.lastSeenAt = lastSeenAt;
        session.idleExpiresAt = idleExpiresAt;
        return true;
      },
      async revoke(id) {
        return deleteSession(id);
      },
      async revokeAllForUser(userId, exceptId) {
        const revoked: SessionRecord[] = [];
        for (const session of [...sessions.values()]) {
          if (session.userId === userId && session.id !== exceptId) revoked.push(deleteSession(session.id)!);
        }
        return revoked;
      },
      async listForUser(userId, now) {
        return [...sessions.values()]
          .filter((session) => session.userId === userId && isSessionLive(session, now))
          .sort((a, b) => b.createdAt - a.createdAt)
          .map(copy);
      },
      async deleteExpired(now) {
        let count = 0;
        for (const session of [...sessions.values()]) {
          if (!isSessionLive(session, now)) {
            deleteSession(session.id);
            count++;
          }
        }
        return count;
      },
      async countActive(now) {
        const counts: Record<Strategy, number> = { session: 0, hybrid: 0, token: 0 };
        for (const session of sessions.values()) if (isSessionLive(session, now)) counts[session.strategy]++;
        return counts;
      },
    },
    refreshTokens: {
      async issue(record) {
        refresh.set(record.hash, { ...record, consumedAt: null, successorCipher: null });
      },
      async rotate(input: RotateRefreshInput): Promise<RotateRefreshResult> {
        const token = refresh.get(input.presentedHash);
        if (!token) return { outcome: 'invalid' };
        const session = sessions.get(token.sessionId);
        if (!session || !isSessionLive(session, input.now)) return { outcome: 'invalid' };
        const successor = token.successorHash ? refresh.get(token.successorHash) : null;
        const decision = chooseRotationStep(token, input, isSuccessorUsed(successor));
        if (decision.step === 'replay') {
          return { outcome: 'replayed', session: copy(session), successorCipher: decision.successorCipher };
        }
        if (decision.step === 'reuse') return { outcome: 'reused', session: deleteSession(session.id)! };
        token.consumedAt = input.now;
        token.successorCipher = input.successorCipher;
        token.successorHash = input.successor.hash;
        refresh.set(input.successor.hash, {
          hash: input.successor.hash,
          sessionId: session.id,
          createdAt: input.successor.createdAt,
          consumedAt: null,
          successorCipher: null,
        });
        const rotated = sessionAfterRotation(session, input);
        sessions.set(session.id, rotated);
        return { outcome: 'rotated', session: copy(rotated) };
      },
      async sessionIdFor(hash) {
        return refresh.get(hash)?.sessionId ?? null;
      },
    },
    keys: {
      async list() {
        return [...keys.values()].sort((a, b) => b.createdAt - a.createdAt).map(copy);
      },
      async rotate(key, now) {
        for (const existing of keys.values()) {
          if (existing.status === 'active') {
            existing.status = 'retired';
            existing.retiredAt = now;
          }
        }
        keys.set(key.kid, { ...copy(key), status: 'active', retiredAt: null });
      },
      async remove(kid) {
        return keys.delete(kid);
      },
      async pruneRetired(before) {
        const removed: string[] = [];
        for (const key of [...keys.values()]) {
          if (key.status === 'retired' && key.retiredAt !== null && key.retiredAt < before) {
            keys.delete(key.kid);
            removed.push(key.kid);
          }
        }
        return removed;
      },
    },
    audit: {
      async append(event) {
        audit.push(copy(event));
      },
      async query(query: AuditQuery) {
        return audit
          .filter(
            (event) =>
              (query.userId === undefined ||
                event.actorId === query.userId ||
                event.subjectId === query.userId) &&
              (query.type === undefined || event.type === query.type) &&
              (query.from === undefined || event.at >= query.from) &&
              (query.to === undefined || event.at <= query.to),
          )
          .sort((a, b) => b.at - a.at)
          .slice(0, query.limit)
          .map(copy);
      },
      async deleteBefore(before) {
        const kept = audit.filter((event) => event.at >= before);
        const removed = audit.length - kept.length;
        audit = kept;
        return removed;
      },
    },
    resetTokens: {
      async create(record) {
        deleteResetTokensOf(record.userId);
        resets.set(record.hash, copy(record));
      },
      async consume(hash, now) {
        const token = resets.get(hash);
        if (!token) return null;
        resets.delete(hash);
        return token.expiresAt > now ? { userId: token.userId } : null;
      },
      async deleteForUser(userId) {
        return deleteResetTokensOf(userId);
      },
      async deleteExpired(now) {
        let count = 0;
        for (const [hash, token] of resets) {
          if (token.expiresAt <= now) {
            resets.delete(hash);
            count++;
          }
        }
        return count;
      },
    },
    revocations: {
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
    },
    async ping() {},
    async close() {},
  };
}
