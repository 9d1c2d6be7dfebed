import type { AuditStore, UserPatch, UserRecord, UserStore } from '@gatehouse/core';
import type { RedisStoreContext } from './context.ts';
import { decodeId, encodeId } from './key-layout.ts';
import { toFields, toUserRecord, userToFields } from './records.ts';
import type { Routing } from './routing.ts';
import { toDeletedSessions } from './routing.ts';

// Emails cannot contain NUL, and encodeURIComponent never emits one, so the split is unambiguous.
// NUL also sorts before every other byte, so members order exactly as their emails do.
const SEPARATOR = '\u0000';
const CLAIM_ATTEMPTS = 3;
const LIST_BATCH_MAX = 500;

/**
 * Users live in their own slot; the email → id route is a separate key, so uniqueness cannot be one
 * transaction in a cluster. Instead the route is the commit point: a user is created by writing its
 * record, then claiming the route with SET NX. Whoever claims the route owns the email; the loser
 * removes its record again. `getByEmail` and `list` only return users their route points to.
 */
export function createRedisUserStore(
  context: RedisStoreContext,
  routing: Routing,
  audit: Pick<AuditStore, 'append'>,
): UserStore {
  const { client, keys, scripts } = context;
  const userKey = (id: string) => userKeyOf(context, id);
  return {
    async create(user, event) {
      if ((await scripts.createUser([userKey(user.id)], userToFields(user))) !== 1) return false;
      const member = emailMember(user);
      // Listed before the claim: a crash in between leaves a stale entry `list` skips, never a
      // committed user missing from the list.
      await client.zadd(keys.emails, '0', member);
      if (await claimEmail(context, user)) {
        if (event) await audit.append(event);
        return true;
      }
      await Promise.all([client.del(userKey(user.id)), client.zrem(keys.emails, member)]);
      return false;
    },

    getById: (id) => readUser(context, id),

    async getByEmail(email) {
      const id = await client.get(keys.emailRoute(email));
      if (id === null) return null;
      const user = await readUser(context, id);
      return user?.email === email ? user : null;
    },

    async update(id, patch) {
      const reply = await scripts.updateUser([userKey(id)], toPatchFields(patch));
      return reply === null ? null : toUserRecord(toFields(reply));
    },

    async delete(id) {
      const base = keys.userBase(id);
      const reply = await scripts.deleteUser([keys.user(base), keys.userSessions(base)], [base]);
      if (reply === null) return false;
      const [email, deleted, resetHash] = reply as [string, unknown[], string];
      await Promise.all([
        scripts.deleteIfEquals([keys.emailRoute(email)], [id]),
        client.zrem(keys.emails, emailMember({ email, id })),
        routing.forget(toDeletedSessions(deleted)),
        resetHash === '' ? undefined : routing.forgetResetToken(id, resetHash),
      ]);
      return true;
    },

    list: (options) => listUsers(context, options),

    async count({ query }) {
      // The email index, read once like `list` does. A member whose user vanished mid-delete is
      // counted until its cleanup lands (moments); `list` skips it.
      const needle = query?.toLowerCase() ?? '';
      let matches = 0;
      for (const member of await client.zrange(keys.emails, '0', '-1')) {
        if (splitEmailMember(member)?.email.includes(needle)) matches++;
      }
      return matches;
    },
  };
}

const userKeyOf = ({ keys }: RedisStoreContext, id: string) => keys.user(keys.userBase(id));

/** An email index member: the email, then the encoded id, so members order exactly as emails do. */
const emailMember = (user: Pick<UserRecord, 'email' | 'id'>) =>
  `${user.email}${SEPARATOR}${encodeId(user.id)}`;

function splitEmailMember(member: string): { email: string; encodedId: string } | null {
  const split = member.lastIndexOf(SEPARATOR);
  return split > 0 ? { email: member.slice(0, split), encodedId: member.slice(split + 1) } : null;
}

async function readUser(context: RedisStoreContext, id: string): Promise<UserRecord | null> {
  return toUserRecord(await context.client.hgetall(userKeyOf(context, id)));
}

/** True once `user` owns the email's route; false when a live user already does. */
async function claimEmail(context: RedisStoreContext, user: UserRecord): Promise<boolean> {
  const { client, keys, scripts } = context;
  const route = keys.emailRoute(user.email);
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    if ((await client.set(route, user.id, 'NX')) === 'OK') return true;
    const owner = await client.get(route);
    if (owner === null) continue;
    if ((await client.hget(userKeyOf(context, owner), 'email')) === user.email) return false;
    // The owner was deleted (or never committed) but its route survived: take it over, unless
    // another create got there first.
    if ((await scripts.compareAndSet([route], [owner, user.id])) === 1) return true;
  }
  return false;
}

/** The user behind a list entry, if the entry is current (its email route points to it). */
async function confirmMember(
  context: RedisStoreContext,
  email: string,
  id: string,
): Promise<UserRecord | null> {
  const [owner, user] = await Promise.all([
    context.client.get(context.keys.emailRoute(email)),
    readUser(context, id),
  ]);
  return owner === id && user?.email === email ? user : null;
}

async function listUsers(
  context: RedisStoreContext,
  { query, limit, offset }: Parameters<UserStore['list']>[0],
): Promise<UserRecord[]> {
  if (limit <= 0) return [];
  const needle = query?.toLowerCase() ?? '';
  const candidates = (await context.client.zrange(context.keys.emails, '0', '-1')).flatMap((member) => {
    const parts = splitEmailMember(member);
    return parts?.email.includes(needle) ? [{ email: parts.email, id: decodeId(parts.encodedId) }] : [];
  });
  // Offset and limit count confirmed users only, so stale entries are checked in batches as we go.
  const confirmed: UserRecord[] = [];
  let next = 0;
  while (confirmed.length < offset + limit && next < candidates.length) {
    const size = Math.min(offset + limit - confirmed.length, LIST_BATCH_MAX);
    const batch = candidates.slice(next, next + size);
    next += batch.length;
    const users = await Promise.all(batch.map(({ email, id }) => confirmMember(context, email, id)));
    for (const user of users) if (user) confirmed.push(user);
  }
  return confirmed.slice(offset, offset + limit);
}

/** Only the patchable fields, so a caller's extra properties (say `email`) never reach the hash. */
function toPatchFields(patch: UserPatch): string[] {
  const fields: string[] = [];
  if (patch.passwordHash !== undefined) fields.push('passwordHash', patch.passwordHash);
  if (patch.roles !== undefined) fields.push('roles', JSON.stringify(patch.roles));
  if (patch.status !== undefined) fields.push('status', patch.status);
  if (patch.updatedAt !== undefined) fields.push('updatedAt', String(patch.updatedAt));
  if (patch.passwordChangedAt !== undefined)
    fields.push('passwordChangedAt', String(patch.passwordChangedAt));
  return fields;
}
