import type { AuditStore, RefreshTokenStore, RotateRefreshInput, RotateRefreshResult } from '@gatehouse/core';
import { completeRotationAudit } from '@gatehouse/core';
import { EXPIRY_SLACK_MS, type RedisStoreContext } from './context.ts';
import { encodeId } from './key-layout.ts';
import { toFields, toSessionRecord, toUserRecord } from './records.ts';
import type { RedisRevocationOutbox } from './revocation-outbox.ts';
import { type Routing, toDeletedSession } from './routing.ts';

type IssuedToken = Parameters<RefreshTokenStore['issue']>[0];

export function createRedisRefreshTokenStore(
  context: RedisStoreContext,
  routing: Routing,
  outbox: RedisRevocationOutbox,
  audit: Pick<AuditStore, 'append'>,
): RefreshTokenStore {
  const { client, keys } = context;
  return {
    issue: async (record) =>
      issueRefreshToken(context, await routing.userOfSession(record.sessionId), record),
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

/**
 * Stores the first token of a family, that of a session of `userId` (known to a session's own
 * create; otherwise read from the session's route; null: no such session, which fails).
 */
export async function issueRefreshToken(
  { client, keys, scripts }: RedisStoreContext,
  userId: string | null,
  record: IssuedToken,
): Promise<void> {
  const base = userId === null ? null : keys.userBase(userId);
  const ttlMs =
    base === null
      ? null
      : await scripts.issueRefreshToken(
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
  // Like the SQL backends' foreign key: a family needs its session.
  if (userId === null || ttlMs === null) throw new Error('redis: refresh token for an unknown session');
  // Routed after the write: the caller hands the token out only once this resolves.
  await client.set(keys.refreshRoute(record.hash), userId, 'PX', Number(ttlMs));
}

async function rotateRefreshToken(
  context: RedisStoreContext,
  routing: Routing,
  outbox: RedisRevocationOutbox,
  audit: Pick<AuditStore, 'append'>,
  input: RotateRefreshInput,
): Promise<RotateRefreshResult> {
  const { client, keys, scripts } = context;
  const route = await routeOf(context, input.presentedHash);
  if (route === null) return { outcome: 'invalid' };
  const base = keys.userBase(route.userId);
  // The successor's route goes in before the script can make it live, so a client that gets
  // the successor (now, or later as a grace-window replay) can always find it.
  await client.set(keys.refreshRoute(input.successor.hash), route.userId, 'PX', route.ttlMs);
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
  let reply = await run(false);
  if (reply[0] === 'arm') {
    // A reuse: its revocation goes to the outbox (another slot) before the script deletes the
    // session, so a crash in between leaves it pending for a live server to publish. Should the
    // second call find the session gone meanwhile, the entry only announces a revocation again.
    const session = toSessionRecord(toFields(reply[1]));
    if (!session) throw new Error('redis: unexpected reply from the rotation script');
    await outbox.recordPending(
      { type: 'session', sid: session.id, sub: session.userId, until: input.revocationUntil },
      input.now,
    );
    reply = await run(true);
  }
  return applyRotation(context, routing, audit, input, reply);
}

/** The owner of a token's slot and how long its route still lives, in one round trip. */
async function routeOf(
  { client, keys }: RedisStoreContext,
  hash: string,
): Promise<{ userId: string; ttlMs: number } | null> {
  const route = keys.refreshRoute(hash);
  const replies = await client.pipeline().get(route).pttl(route).exec();
  const userId = replies?.[0]?.[1] as string | null | undefined;
  const ttlMs = replies?.[1]?.[1] as number | undefined;
  if (typeof userId !== 'string') return null;
  return { userId, ttlMs: typeof ttlMs === 'number' && ttlMs > 0 ? ttlMs : EXPIRY_SLACK_MS };
}

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
