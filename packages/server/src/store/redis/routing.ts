import type { SessionRecord } from '@gatehouse/core';
import type { RedisStoreContext } from './context.ts';
import { decodeId, encodeId } from './key-layout.ts';
import { effectiveExpiry, toFields, toSessionRecord } from './records.ts';

/** A session a script deleted, with the refresh-token hashes of its family. */
export interface DeletedSession {
  session: SessionRecord;
  tokenHashes: string[];
}

/** Reads the `{session fields, encoded token hashes}` pairs the delete helpers in lua/lib.lua return. */
export function toDeletedSessions(reply: unknown): DeletedSession[] {
  return (reply as unknown[]).flatMap((entry) => {
    const deleted = toDeletedSession(entry);
    return deleted ? [deleted] : [];
  });
}

export function toDeletedSession(entry: unknown): DeletedSession | null {
  if (!Array.isArray(entry)) return null;
  const session = toSessionRecord(toFields(entry[0]));
  if (!session) return null;
  return { session, tokenHashes: (entry[1] as string[]).map(decodeId) };
}

export function liveMember(userId: string, sessionId: string): string {
  return `${encodeId(userId)}/${encodeId(sessionId)}`;
}

export function parseLiveMember(member: string): { userId: string; sessionId: string } | null {
  const slash = member.indexOf('/');
  if (slash < 0) return null;
  return { userId: decodeId(member.slice(0, slash)), sessionId: decodeId(member.slice(slash + 1)) };
}

/** The member of the reset-token expiry index for a user's token. */
export function resetIndexMember(userId: string, hash: string): string {
  return `${encodeId(userId)}/${encodeId(hash)}`;
}

/**
 * `run` in the slot of `named`, the user the caller has just read as the record's owner, with the
 * record's route (`routed`, read by the caller) answering alongside: a record lives in its own
 * user's slot only, so where `missed` says `run` found nothing there and the route names another
 * user, `run` goes again in that one's slot. A wrong name costs a second try, never another outcome.
 */
export async function inNamedSlot<T>(
  named: string,
  routed: Promise<string | null>,
  run: (userId: string) => Promise<T>,
  missed: (result: T) => boolean,
): Promise<T> {
  const [owner, result] = await Promise.all([routed, run(named)]);
  return missed(result) && owner !== null && owner !== named ? run(owner) : result;
}

/**
 * The entries outside a user's slot that point into it. They are written before the records they
 * lead to and removed after, so a record is always reachable; a leftover entry only costs a lookup
 * that finds nothing.
 */
export function createRouting({ client, keys, scripts }: RedisStoreContext) {
  return {
    /** The user whose slot holds the session, if the session route still exists. */
    userOfSession(sessionId: string): Promise<string | null> {
      return client.get(keys.sessionRoute(sessionId));
    },

    /** Records when the session stops being live, for countActive and deleteExpired. */
    async markLive(
      session: Pick<SessionRecord, 'id' | 'userId' | 'strategy' | 'idleExpiresAt' | 'absoluteExpiresAt'>,
    ): Promise<void> {
      await client.zadd(
        keys.liveSessions(session.strategy),
        effectiveExpiry(session),
        liveMember(session.userId, session.id),
      );
    },

    /** Drops every route to sessions (and their families) a script has just deleted. */
    async forget(deleted: DeletedSession[]): Promise<void> {
      await Promise.all(
        deleted.flatMap(({ session, tokenHashes }) => [
          scripts.deleteIfEquals([keys.sessionRoute(session.id)], [session.userId]),
          client.zrem(keys.liveSessions(session.strategy), liveMember(session.userId, session.id)),
          ...tokenHashes.map((hash) => scripts.deleteIfEquals([keys.refreshRoute(hash)], [session.userId])),
        ]),
      );
    },

    /** Drops the route and the expiry-index entry of a reset token that is gone or replaced. */
    async forgetResetToken(userId: string, hash: string): Promise<void> {
      await Promise.all([
        scripts.deleteIfEquals([keys.resetRoute(hash)], [userId]),
        client.zrem(keys.resetExpiry, resetIndexMember(userId, hash)),
      ]);
    },
  };
}

export type Routing = ReturnType<typeof createRouting>;
