import { emptyContext, type RequestContext } from '../audit/audit-log.ts';
import type { Auth } from '../auth.ts';
import type { AuthDeps } from '../auth-deps.ts';
import { InvalidInputError, NotFoundError } from '../errors.ts';
import type { SessionRecord, UserRecord } from '../store/types.ts';
import { type AdminActor, actorIdOf, recordAdminAction } from './admin-actor.ts';

/** A role name: short, lower-case, no spaces (it travels in every access token's `roles`). */
const ROLE = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_ROLES = 16;

/**
 * What a user id may be: 1–128 characters of base64url. Gatehouse's own are 128 random bits; an
 * account imported with its old id (a UUID, say) keeps it. Anything else cannot name a user, so it
 * is refused without a store read.
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

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
 * What account administration works with: the store, clock and audit log from the composition
 * root, and the auth operations that revoke (and publish) sessions. The app context and the CLI's
 * auth both have this shape.
 */
export interface UserAdminDeps extends Pick<AuthDeps, 'store' | 'clock' | 'audit'> {
  auth: Pick<Auth, 'revokeAllSessions' | 'listSessions'>;
}

async function requireUser(deps: UserAdminDeps, userId: string): Promise<UserRecord> {
  const user = USER_ID_PATTERN.test(userId) ? await deps.store.users.getById(userId) : null;
  if (!user) throw new NotFoundError('no such user');
  return user;
}

// An admin who suspends, deletes or demotes their own account can lock everyone out: with no
// other admin left, only shell access to the deployment (the CLI) could undo it.
function refuseSelf(actor: AdminActor, userId: string, action: string): void {
  if (actor.kind === 'user' && actor.id === userId)
    throw new InvalidInputError(`an admin cannot ${action} their own account`, 'id');
}

async function setStatus(
  deps: UserAdminDeps,
  userId: string,
  status: UserRecord['status'],
): Promise<UserRecord> {
  const user = await requireUser(deps, userId);
  const updated = await deps.store.users.update(user.id, { status, updatedAt: deps.clock.now() });
  if (!updated) throw new NotFoundError('user deleted meanwhile');
  return updated;
}

/** Every session of `userId` ended by the admin, published and audited as such; returns them. */
function revokeAsAdmin(
  deps: UserAdminDeps,
  actor: AdminActor,
  userId: string,
  reason: 'admin' | 'suspended',
  context: RequestContext,
): Promise<SessionRecord[]> {
  return deps.auth.revokeAllSessions({ userId, reason, actorId: actorIdOf(actor), context });
}

/**
 * Suspends the account, then revokes every session at once. In that order: once the status
 * is written no login or refresh can start a new session, so none escapes the revocation.
 */
async function suspendUser(deps: UserAdminDeps, actor: AdminActor, userId: string, context: RequestContext) {
  refuseSelf(actor, userId, 'suspend');
  const updated = await setStatus(deps, userId, 'suspended');
  const revoked = await revokeAsAdmin(deps, actor, updated.id, 'suspended', context);
  await recordAdminAction(
    deps.audit,
    actor,
    { type: 'user.suspended', subjectId: updated.id, data: { sessionsRevoked: revoked.length } },
    context,
  );
  return { user: updated, sessionsRevoked: revoked.length };
}

async function unsuspendUser(
  deps: UserAdminDeps,
  actor: AdminActor,
  userId: string,
  context: RequestContext,
) {
  const updated = await setStatus(deps, userId, 'active');
  await recordAdminAction(deps.audit, actor, { type: 'user.unsuspended', subjectId: updated.id }, context);
  return updated;
}

/**
 * Deletes the account. It is suspended and its sessions revoked first (with events, which the
 * store's delete would not publish), so no token of it outlives the deletion at a verifier.
 */
async function deleteUser(deps: UserAdminDeps, actor: AdminActor, userId: string, context: RequestContext) {
  refuseSelf(actor, userId, 'delete');
  const user = await setStatus(deps, userId, 'suspended');
  const revoked = await revokeAsAdmin(deps, actor, user.id, 'admin', context);
  await deps.store.users.delete(user.id);
  await recordAdminAction(
    deps.audit,
    actor,
    { type: 'user.deleted', subjectId: user.id, data: { sessionsRevoked: revoked.length } },
    context,
  );
  return { sessionsRevoked: revoked.length };
}

/**
 * Replaces the user's roles. A privilege change ends every session of the user (docs/design.md §7:
 * new session id on privilege change), so access tokens carrying the old roles die with them
 * and the next login starts a session under the new roles.
 */
async function setRoles(
  deps: UserAdminDeps,
  actor: AdminActor,
  target: { userId: string; roles: unknown },
  context: RequestContext,
) {
  const next = parseRoles(target.roles);
  refuseSelf(actor, target.userId, 'change the roles of');
  const user = await requireUser(deps, target.userId);
  const updated = await deps.store.users.update(user.id, { roles: next, updatedAt: deps.clock.now() });
  if (!updated) throw new NotFoundError('user deleted meanwhile');
  const revoked = await revokeAsAdmin(deps, actor, user.id, 'admin', context);
  await recordAdminAction(
    deps.audit,
    actor,
    {
      type: 'user.roles_changed',
      subjectId: user.id,
      data: { before: user.roles, after: next, sessionsRevoked: revoked.length },
    },
    context,
  );
  return { user: updated, sessionsRevoked: revoked.length };
}

/** Signs the user out everywhere; returns how many sessions ended. */
async function revokeUserSessions(
  deps: UserAdminDeps,
  actor: AdminActor,
  userId: string,
  context: RequestContext,
): Promise<number> {
  const user = await requireUser(deps, userId);
  const revoked = await revokeAsAdmin(deps, actor, user.id, 'admin', context);
  await recordAdminAction(
    deps.audit,
    actor,
    { type: 'user.sessions_revoked', subjectId: user.id, data: { count: revoked.length } },
    context,
  );
  return revoked.length;
}

/**
 * Account administration, shared by the admin HTTP API and the CLI: list, suspend, unsuspend,
 * delete, roles, a user's sessions. Every change is audited with the admin as actor and the
 * target as subject, and every change that takes access away revokes the target's sessions
 * through `auth.revokeAllSessions`, which publishes the revocation events verifiers follow.
 *
 * @example
 * const users = createUserAdmin({ auth, store, clock, audit });
 * await users.suspend({ kind: 'user', id: admin.id }, targetId, context);
 */
export function createUserAdmin(deps: UserAdminDeps) {
  return {
    listUsers: (options: ListUsersOptions): Promise<UserRecord[]> => deps.store.users.list(options),
    /** How many users `listUsers` pages through for this query. */
    countUsers: (options: Pick<ListUsersOptions, 'query'>): Promise<number> =>
      deps.store.users.count(options),
    getUser: (userId: string) => requireUser(deps, userId),
    suspend: (actor: AdminActor, userId: string, context: RequestContext = emptyContext) =>
      suspendUser(deps, actor, userId, context),
    unsuspend: (actor: AdminActor, userId: string, context: RequestContext = emptyContext) =>
      unsuspendUser(deps, actor, userId, context),
    deleteUser: (actor: AdminActor, userId: string, context: RequestContext = emptyContext) =>
      deleteUser(deps, actor, userId, context),
    setRoles: (actor: AdminActor, userId: string, roles: unknown, context: RequestContext = emptyContext) =>
      setRoles(deps, actor, { userId, roles }, context),
    /** Live sessions of the user, newest first; NotFound for an unknown user. */
    async listSessions(userId: string): Promise<SessionRecord[]> {
      const user = await requireUser(deps, userId);
      return deps.auth.listSessions(user.id);
    },
    revokeSessions: (actor: AdminActor, userId: string, context: RequestContext = emptyContext) =>
      revokeUserSessions(deps, actor, userId, context),
  };
}

export type UserAdmin = ReturnType<typeof createUserAdmin>;
