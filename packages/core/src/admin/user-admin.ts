import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { Auth } from '../auth.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { SessionRecord, UserRecord } from '../store/types.ts';
import { type AdminActor, actorIdOf, recordAdminAction } from './admin-actor.ts';

/** A role name: short, lower-case, no spaces (it travels in every access token's `roles`). */
const ROLE = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_ROLES = 16;

/** User ids are 128 random bits in base64url; anything else cannot name a user, so no store read. */
const USER_ID = /^[A-Za-z0-9_-]{1,128}$/;

export interface ListUsersOptions {
  query?: string;
  limit: number;
  offset: number;
}

/** The roles in `input`, checked and de-duplicated; throws InvalidInputError on anything else. */
export function parseRoles(input: unknown): string[] {
  if (!Array.isArray(input) || input.length > MAX_ROLES)
    throw new InvalidInputError(`roles must be an array of at most ${MAX_ROLES} names`, 'roles');
  for (const role of input) {
    if (typeof role !== 'string' || !ROLE.test(role))
      throw new InvalidInputError('invalid role name', 'roles');
  }
  return [...new Set(input as string[])].sort();
}

/**
 * Account administration, shared by the admin HTTP API and the CLI: list, suspend, unsuspend,
 * delete, roles, a user's sessions. Every change is audited with the admin as actor and the
 * target as subject, and every change that takes access away revokes the target's sessions
 * through `auth.revokeAllSessions`, which publishes the revocation events verifiers follow.
 *
 * @example
 * const users = createUserAdmin(auth);
 * await users.suspend({ kind: 'user', id: admin.id }, targetId, context);
 */
export function createUserAdmin(auth: Auth) {
  const { store, clock } = auth;

  async function requireUser(userId: string): Promise<UserRecord> {
    const user = USER_ID.test(userId) ? await store.users.getById(userId) : null;
    if (!user) throw new NotFoundError('no such user');
    return user;
  }

  // An admin who suspends, deletes or demotes their own account can lock everyone out: with no
  // other admin left, only shell access to the deployment (the CLI) could undo it.
  function refuseSelf(actor: AdminActor, userId: string, action: string): void {
    if (actor.kind === 'user' && actor.id === userId)
      throw new InvalidInputError(`an admin cannot ${action} their own account`, 'id');
  }

  async function setStatus(userId: string, status: UserRecord['status']): Promise<UserRecord> {
    const user = await requireUser(userId);
    const updated = await store.users.update(user.id, { status, updatedAt: clock.now() });
    if (!updated) throw new NotFoundError('user deleted meanwhile');
    return updated;
  }

  return {
    listUsers(options: ListUsersOptions): Promise<UserRecord[]> {
      return store.users.list(options);
    },

    /** How many users `listUsers` pages through for this query. */
    countUsers(options: Pick<ListUsersOptions, 'query'>): Promise<number> {
      return store.users.count(options);
    },

    getUser: requireUser,

    /**
     * Suspends the account, then revokes every session at once. In that order: once the status
     * is written no login or refresh can start a new session, so none escapes the revocation.
     */
    async suspend(actor: AdminActor, userId: string, context: RequestContext = emptyContext) {
      refuseSelf(actor, userId, 'suspend');
      const updated = await setStatus(userId, 'suspended');
      const revoked = await auth.revokeAllSessions(updated.id, 'suspended', actorIdOf(actor), context);
      await recordAdminAction(
        auth.audit,
        actor,
        { type: 'user.suspended', subjectId: updated.id, data: { sessionsRevoked: revoked.length } },
        context,
      );
      return { user: updated, sessionsRevoked: revoked.length };
    },

    async unsuspend(actor: AdminActor, userId: string, context: RequestContext = emptyContext) {
      const updated = await setStatus(userId, 'active');
      await recordAdminAction(
        auth.audit,
        actor,
        { type: 'user.unsuspended', subjectId: updated.id },
        context,
      );
      return updated;
    },

    /**
     * Deletes the account. It is suspended and its sessions revoked first (with events, which the
     * store's delete would not publish), so no token of it outlives the deletion at a verifier.
     */
    async deleteUser(actor: AdminActor, userId: string, context: RequestContext = emptyContext) {
      refuseSelf(actor, userId, 'delete');
      const user = await setStatus(userId, 'suspended');
      const revoked = await auth.revokeAllSessions(user.id, 'admin', actorIdOf(actor), context);
      await store.users.delete(user.id);
      await recordAdminAction(
        auth.audit,
        actor,
        { type: 'user.deleted', subjectId: user.id, data: { sessionsRevoked: revoked.length } },
        context,
      );
      return { sessionsRevoked: revoked.length };
    },

    /**
     * Replaces the user's roles. A privilege change ends every session of the user (docs/design.md §7:
     * new session id on privilege change), so access tokens carrying the old roles die with them
     * and the next login starts a session under the new roles.
     */
    async setRoles(
      actor: AdminActor,
      userId: string,
      roles: unknown,
      context: RequestContext = emptyContext,
    ) {
      const next = parseRoles(roles);
      refuseSelf(actor, userId, 'change the roles of');
      const user = await requireUser(userId);
      const updated = await store.users.update(user.id, { roles: next, updatedAt: clock.now() });
      if (!updated) throw new NotFoundError('user deleted meanwhile');
      const revoked = await auth.revokeAllSessions(user.id, 'admin', actorIdOf(actor), context);
      await recordAdminAction(
        auth.audit,
        actor,
        {
          type: 'user.roles_changed',
          subjectId: user.id,
          data: { before: user.roles, after: next, sessionsRevoked: revoked.length },
        },
        context,
      );
      return { user: updated, sessionsRevoked: revoked.length };
    },

    /** Live sessions of the user, newest first; NotFound for an unknown user. */
    async listSessions(userId: string): Promise<SessionRecord[]> {
      const user = await requireUser(userId);
      return auth.listSessions(user.id);
    },

    /** Signs the user out everywhere; returns how many sessions ended. */
    async revokeSessions(actor: AdminActor, userId: string, context: RequestContext = emptyContext) {
      const user = await requireUser(userId);
      const revoked = await auth.revokeAllSessions(user.id, 'admin', actorIdOf(actor), context);
      await recordAdminAction(
        auth.audit,
        actor,
        { type: 'user.sessions_revoked', subjectId: user.id, data: { count: revoked.length } },
        context,
      );
      return revoked.length;
    },
  };
}

export type UserAdmin = ReturnType<typeof createUserAdmin>;
