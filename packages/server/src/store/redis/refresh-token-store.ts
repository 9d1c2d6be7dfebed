import type { AuditStore, RefreshTokenStore, RotateRefreshInput, RotateRefreshResult } from '@gatehouse/core';
import { completeRotationAudit } from '@gatehouse/core';
import { EXPIRY_SLACK_MS, expiryTtlMs, type RedisStoreContext } from './context.ts';
import { encodeId } from './key-layout.ts';
import { toFields, toSessionRecord, toUserRecord } from './records.ts';
import type { RedisRevocationOutbox } from './revocation-outbox.ts';
import { inNamedSlot, type Routing, toDeletedSession } from './routing.ts';

/** The first token of a session's refresh family, as `issue` (or a session's create) stores it. */
export type IssuedToken = Parameters<RefreshTokenStore['issue']>[0];

export function createRedisRefreshTokenStore(
  context: RedisStoreContext,
  routing: Routing,
  outbox: RedisRevocationOutbox,
  audit: Pick<AuditStore, 'append'>,
): RefreshTokenStore {
  const { client, keys } = context;
  return {
    issue: (record) => issueRefreshToken(context, routing, record),
    rotate: (input) => rotateRefreshToken(context, routing, outbox, audit, input),

    async sessionIdFor(hash) {
      const userId = await client.get(keys.refreshRoute(hash));
      if (userId === null) return null;
      return client.hget(keys.refreshToken(keys.userBase(userId), hash), 'sessionId');
    },

    async sessionFor(hash) {
      const userId = await client.get(keys.refreshRoute(hash));
      if (userId === null) return null;
      const base = keys.userBase(userId);
      const reply = await context.scripts.sessionOfRefreshToken([keys.refreshToken(base, hash)], [base]);
      const session = toSessionRecord(toFields(reply));
      // As `sessions.get` would: only the user's own session, found through its route.
      return session?.userId === userId ? session : null;
    },
  };
}

/** Stores the first token of a family, in the slot its session's route names (none: it fails). */
async function issueRefreshToken(
  context: RedisStoreContext,
  routing: Routing,
  record: IssuedToken,
): Promise<void> {
  const userId = await routing.userOfSession(record.sessionId);
  const ttlMs = userId === null ? null : await storeRefreshToken(context, userId, record);
  if (userId === null || ttlMs === null) throw unknownSession();
  // Routed after the write: the caller hands the token out only once this resolves.
  await context.client.set(context.keys.refreshRoute(record.hash), userId, 'PX', Number(ttlMs));
}

/** Like the SQL backends' foreign key: a family needs its session. */
export const unknownSession = () => new Error('redis: refresh token for an unknown session');

/**
 * The token's record in its session's family, in the slot of the session's user: resolves the TTL
 * for its route, or null when the session does not exist (nothing written). The route is the
 * caller's to write.
 */
export function storeRefreshToken(
  { keys, scripts }: RedisStoreContext,
  userId: string,
  record: IssuedToken,
): Promise<unknown> {
  const base = keys.userBase(userId);
  return scripts.issueRefreshToken(
    [
      keys.session(base, record.sessionId),
      keys.refreshToken(base, record.hash),
      keys.sessionTokens(base, record.sessionId),
    ],
    [
      encodeId(record.hash),
      record.hash,
      record.sessionId,
      encodeId(record.sessionId),
      String(record.createdAt),
      String(EXPIRY_SLACK_MS),
    ],
  );
}

async function rotateRefreshToken(
  context: RedisStoreContext,
  routing: Routing,
  outbox: RedisRevocationOutbox,
  audit: Pick<AuditStore, 'append'>,
  input: RotateRefreshInput,
): Promise<RotateRefreshResult> {
  const named = input.presentedSession;
  if (!named) {
    const route = await routeOf(context, input.presentedHash);
    if (route === null) return { outcome: 'invalid' };
    return applyRotation(context, routing, audit, input, await rotateInSlot(context, outbox, input, route));
  }
  // The caller has just read the token's session: the rotation starts in its user's slot. Its
  // successor's route lives as long as the session can; should the route name another user, as
  // long as the presented token's route still does.
  const namedTtl = expiryTtlMs(input.now, named.absoluteExpiresAt);
  const route = context.keys.refreshRoute(input.presentedHash);
  const reply = await inNamedSlot(
    named.userId,
    context.client.get(route),
    async (userId) =>
      rotateInSlot(context, outbox, input, {
        userId,
        ttlMs: userId === named.userId ? namedTtl : routeTtl(await context.client.pttl(route)),
      }),
    (found) => found[0] === 'invalid',
  );
  return applyRotation(context, routing, audit, input, reply);
}

/** Runs the rotation script in the slot of `route.userId`, the successor's route written first. */
async function rotateInSlot(
  { client, keys, scripts }: RedisStoreContext,
  outbox: RedisRevocationOutbox,
  input: RotateRefreshInput,
  route: { userId: string; ttlMs: number },
): Promise<unknown[]> {
  const base = keys.userBase(route.userId);
  // The successor's route goes in before the script can make it live, so a client that gets
  // the successor (now, or later as a grace-window replay) can always find it. One connection
  // runs its commands in the order sent, so there the script follows the route without waiting
  // for its reply; a cluster may hold the two keys on different nodes, so there it waits.
  const routed = client.set(keys.refreshRoute(input.successor.hash), route.userId, 'PX', route.ttlMs);
  if (client.isCluster) await routed;
  const run = async (armed: boolean) =>
    (await scripts.rotateRefreshToken(
      [keys.refreshToken(base, input.presentedHash), keys.user(base)],
      [
        base,
        encodeId(input.successor.hash),
        input.successor.hash,
        String(input.successor.createdAt),
        input.successorCipher,
        String(input.now),
        String(input.graceMs),
        String(input.now + input.idleTtlMs),
        String(EXPIRY_SLACK_MS),
        armed ? '1' : '0',
      ],
    )) as unknown[];
  const [, first] = await Promise.all([routed, run(false)]);
  if (first[0] !== 'arm') return first;
  // A reuse: its revocation goes to the outbox (another slot) before the script deletes the
  // session, so a crash in between leaves it pending for a live server to publish. Should the
  // second call find the session gone meanwhile, the entry only announces a revocation again.
  const session = toSessionRecord(toFields(first[1]));
  if (!session) throw new Error('redis: unexpected reply from the rotation script');
  await outbox.recordPending(
    { type: 'session', sid: session.id, sub: session.userId, until: input.revocationUntil },
    input.now,
  );
  return run(true);
}

/** The owner of a token's slot and how long its route still lives, in one round trip. */
async function routeOf(
  { client, keys }: RedisStoreContext,
  hash: string,
): Promise<{ userId: string; ttlMs: number } | null> {
  const route = keys.refreshRoute(hash);
  // Two plain commands sent together, not an ioredis pipeline, whose object costs more CPU.
  const [userId, ttlMs] = await Promise.all([client.get(route), client.pttl(route)]);
  return userId === null ? null : { userId, ttlMs: routeTtl(ttlMs) };
}

/** A successor's route lives as long as the presented token's (a PTTL reply; at least the slack). */
const routeTtl = (pttl: number) => (pttl > 0 ? pttl : EXPIRY_SLACK_MS);

/** Turns the rotation script's reply into a result, fixing routes and live indexes to match. */
async function applyRotation(
  { client, keys }: RedisStoreContext,
  routing: Routing,
  audit: Pick<AuditStore, 'append'>,
  input: RotateRefreshInput,
  reply: unknown[],
): Promise<RotateRefreshResult> {
  const [outcome, detail, extra, more] = reply;
  // The `{audit}` slot is not the family's: the event is appended right after the script, as other
  // writes' events are, at the same time as the other slots are brought up to date.
  const appendAudit = (result: Extract<RotateRefreshResult, { outcome: 'rotated' | 'reused' }>) => {
    const event = completeRotationAudit(input.audit, result.outcome, result.session);
    return event ? audit.append(event) : undefined;
  };
  if (outcome === 'rotated') {
    const session = toSessionRecord(toFields(detail))!;
    const user = toUserRecord(toFields(extra)) ?? undefined;
    await Promise.all([routing.markLive(session), appendAudit({ outcome, session })]);
    return { outcome, session, user };
  }
  // The successor was never stored: its route (written up front) leads nowhere.
  await client.del(keys.refreshRoute(input.successor.hash));
  if (outcome === 'replayed') {
    const session = toSessionRecord(toFields(detail))!;
    const user = toUserRecord(toFields(more)) ?? undefined;
    return { outcome, session, successorCipher: extra as string, user };
  }
  if (outcome === 'reused') {
    const deleted = toDeletedSession([detail, extra]);
    if (deleted) {
      const result = { outcome, session: deleted.session } as const;
      await Promise.all([routing.forget([deleted]), appendAudit(result)]);
      return result;
    }
  }
  if (outcome !== 'invalid') throw new Error('redis: unexpected reply from the rotation script');
  return { outcome: 'invalid' };
}
