import type { AuditStore, SessionRecord, SessionStore, Strategy } from '@gatehouse/core';
import { isSessionLive } from '@gatehouse/core';
import { type RedisStoreContext, expiryTtlMs } from './context.ts';
import { encodeId } from './key-layout.ts';
import { sessionToFields, toFields, toSessionRecord, toUserRecord } from './records.ts';
import { type IssuedToken, storeRefreshToken, unknownSession } from './refresh-token-store.ts';
import {
  type DeletedSession,
  inNamedSlot,
  liveMember,
  parseLiveMember,
  type Routing,
  toDeletedSession,
  toDeletedSessions,
} from './routing.ts';

const STRATEGIES: Strategy[] = ['session', 'hybrid', 'token'];
const EXPIRED_BATCH = 500;

const byNewest = (a: SessionRecord, b: SessionRecord) =>
  b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function createRedisSessionStore(
  context: RedisStoreContext,
  routing: Routing,
  /** The audit events of session writes live in the `{audit}` slot: appended right after them. */
  audit: Pick<AuditStore, 'append'>,
): SessionStore {
  const { client, keys, scripts } = context;
  return {
    async create(session, event, refreshTokenHash) {
      const token =
        refreshTokenHash === undefined
          ? undefined
          : { hash: refreshTokenHash, sessionId: session.id, createdAt: session.createdAt };
      await createSession(context, routing, session, token);
      if (event) await audit.append(event);
    },

    async get(id) {
      const userId = await routing.userOfSession(id);
      if (userId === null) return null;
      const session = toSessionRecord(await client.hgetall(keys.session(keys.userBase(userId), id)));
      return session?.id === id ? session : null;
    },

    async getWithUser(id) {
      const userId = await routing.userOfSession(id);
      if (userId === null) return null;
      // The session and its user share the user's slot, so one connection: both reads go out at
      // once, one round trip. Two plain commands, not a pipeline: ioredis's Pipeline object cost
      // ~40 µs of CPU per validation more under load here (16 concurrent validations).
      const base = keys.userBase(userId);
      const [sessionFields, userFields] = await Promise.all([
        client.hgetall(keys.session(base, id)),
        client.hgetall(keys.user(base)),
      ]);
      const session = toSessionRecord(sessionFields);
      if (session?.id !== id) return null;
      const user = toUserRecord(userFields);
      return { session, user: user?.id === session.userId ? user : null };
    },

    touch: (id, lastSeenAt, idleExpiresAt) => touchSession(context, routing, id, lastSeenAt, idleExpiresAt),

    async revoke(id, event, owner) {
      const revokeIn = async (userId: string) => {
        const base = keys.userBase(userId);
        const reply = await scripts.revokeSession(
          [keys.userSessions(base), keys.session(base, id)],
          [base, encodeId(id)],
        );
        return toDeletedSession(reply);
      };
      const routed = routing.userOfSession(id);
      const deleted =
        owner === undefined
          ? await routed.then((userId) => (userId === null ? null : revokeIn(userId)))
          : await inNamedSlot(owner, routed, revokeIn, (found) => found === null);
      if (!deleted) return null;
      // Other slots, written at the same time once the session is gone.
      await Promise.all([routing.forget([deleted]), event && audit.append(event)]);
      return deleted.session;
    },

    async revokeAllForUser(userId, exceptId) {
      const base = keys.userBase(userId);
      const args = exceptId === undefined ? [base] : [base, encodeId(exceptId)];
      const deleted = toDeletedSessions(await scripts.revokeUserSessions([keys.userSessions(base)], args));
      await routing.forget(deleted);
      return deleted.map(({ session }) => session);
    },

    async listForUser(userId, now) {
      const base = keys.userBase(userId);
      const reply = (await scripts.listUserSessions([keys.userSessions(base)], [base])) as unknown[];
      return reply
        .map((fields) => toSessionRecord(toFields(fields)))
        .filter((session): session is SessionRecord => session !== null && isSessionLive(session, now))
        .sort(byNewest);
    },

    deleteExpired: (now) => deleteExpiredSessions(context, routing, now),

    async countActive(now) {
      // Exclusive lower bound: a session is live while its earlier deadline is still after now.
      const counts = await Promise.all(
        STRATEGIES.map((strategy) => client.zcount(keys.liveSessions(strategy), `(${now}`, '+inf')),
      );
      return { session: counts[0]!, hybrid: counts[1]!, token: counts[2]! };
    },
  };
}

/**
 * The session, and with `token` the first token of its refresh family. The routes go in before the
 * records they lead to. One connection runs its commands in the order sent, so there the routes and
 * the session's script go out at once, one round trip; a cluster may hold the routes on other
 * nodes, so there the session waits for them. The token's script waits for the session's: a
 * script unknown to a Redis that restarted empty is sent again after its NOSCRIPT answer, so two
 * scripts sent back to back may run in the other order.
 */
async function createSession(
  context: RedisStoreContext,
  routing: Routing,
  session: SessionRecord,
  token?: IssuedToken,
): Promise<void> {
  const { client, keys, scripts } = context;
  const base = keys.userBase(session.userId);
  const ttlMs = expiryTtlMs(session.createdAt, session.absoluteExpiresAt);
  const routed = Promise.all([
    client.set(keys.sessionRoute(session.id), session.userId, 'PX', ttlMs),
    routing.markLive(session),
    token &&
      client.set(
        keys.refreshRoute(token.hash),
        session.userId,
        'PX',
        expiryTtlMs(token.createdAt, session.absoluteExpiresAt),
      ),
  ]);
  if (client.isCluster) await routed;
  const created = scripts.createSession(
    [keys.userSessions(base), keys.session(base, session.id)],
    [encodeId(session.id), String(session.createdAt), String(ttlMs), ...sessionToFields(session)],
  );
  const issued = token && created.then(() => storeRefreshToken(context, session.userId, token));
  const [, , tokenTtl] = await Promise.all([routed, created, issued]);
  if (token && (tokenTtl === null || tokenTtl === undefined)) throw unknownSession();
}

async function touchSession(
  { keys, scripts }: RedisStoreContext,
  routing: Routing,
  id: string,
  lastSeenAt: number,
  idleExpiresAt: number,
): Promise<boolean> {
  const userId = await routing.userOfSession(id);
  if (userId === null) return false;
  const reply = await scripts.touchSession(
    [keys.session(keys.userBase(userId), id)],
    [String(lastSeenAt), String(idleExpiresAt)],
  );
  if (reply === null) return false;
  const [strategy, absoluteExpiresAt] = reply as [Strategy, string];
  await routing.markLive({
    id,
    userId,
    strategy,
    idleExpiresAt,
    absoluteExpiresAt: Number(absoluteExpiresAt),
  });
  return true;
}

/** Sweeps each strategy's live index up to `now` in batches; returns how many sessions went. */
async function deleteExpiredSessions(
  context: RedisStoreContext,
  routing: Routing,
  now: number,
): Promise<number> {
  const { client, keys } = context;
  let count = 0;
  for (const strategy of STRATEGIES) {
    // Every listed entry is deleted, re-scored past `now` or dropped, so each pass shrinks the range.
    for (;;) {
      const members = await client.zrangebyscore(
        keys.liveSessions(strategy),
        '-inf',
        now,
        'LIMIT',
        0,
        EXPIRED_BATCH,
      );
      if (members.length === 0) break;
      const byUser = await groupByUser(context, strategy, members);
      const counts = await Promise.all(
        [...byUser].map(([userId, ids]) => deleteExpiredOfUser(context, routing, strategy, userId, ids, now)),
      );
      count += counts.reduce((sum, n) => sum + n, 0);
    }
  }
  return count;
}

/** Live-index members grouped as user → session ids; unreadable members are dropped from the index. */
async function groupByUser(
  { client, keys }: RedisStoreContext,
  strategy: Strategy,
  members: string[],
): Promise<Map<string, string[]>> {
  const byUser = new Map<string, string[]>();
  for (const member of members) {
    const parsed = parseLiveMember(member);
    if (!parsed) {
      await client.zrem(keys.liveSessions(strategy), member);
      continue;
    }
    byUser.set(parsed.userId, [...(byUser.get(parsed.userId) ?? []), parsed.sessionId]);
  }
  return byUser;
}

/** Deletes the sessions the global index lists as expired for one user; returns how many went. */
async function deleteExpiredOfUser(
  { client, keys, scripts }: RedisStoreContext,
  routing: Routing,
  strategy: Strategy,
  userId: string,
  sessionIds: string[],
  now: number,
): Promise<number> {
  const base = keys.userBase(userId);
  const results = (await scripts.deleteExpiredSessions(
    [keys.userSessions(base)],
    [base, String(now), ...sessionIds.map(encodeId)],
  )) as unknown[][];
  const deleted: DeletedSession[] = [];
  const repairs: Array<Promise<unknown>> = [];
  results.forEach(([status, detail], index) => {
    const member = liveMember(userId, sessionIds[index]!);
    const gone = status === 2 ? toDeletedSession(detail) : null;
    if (gone) {
      deleted.push(gone);
    } else if (status === 1) {
      // Touched after the index entry was written: move the entry to the real deadline.
      repairs.push(client.zadd(keys.liveSessions(strategy), Number(detail), member));
    } else {
      repairs.push(client.zrem(keys.liveSessions(strategy), member));
    }
  });
  await Promise.all([...repairs, routing.forget(deleted)]);
  return deleted.length;
}
