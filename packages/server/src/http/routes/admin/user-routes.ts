import type { UserAdmin } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { readJsonObject } from '../../plugins/json-body.ts';
import { requestContext } from '../../request-context.ts';
import { toAdminUser } from './admin-views.ts';
import { type QueryParams, readCount, readText } from './query-params.ts';
import { adminActorOf } from './require-admin.ts';

type UserParams = { Params: { id: string } };

// Any printable text up to the longest email: the store matches it as a literal substring.
const SEARCH = /^\P{Cc}{0,254}$/u;

/**
 * `GET /admin/users`, `GET /admin/users/:id`, `POST /admin/users/:id/{suspend,unsuspend,roles}`,
 * `DELETE /admin/users/:id`. The caller is an admin (see `registerAdminRoutes`).
 */
export function registerAdminUserRoutes(app: FastifyInstance, users: UserAdmin): void {
  app.get<{ Querystring: QueryParams }>('/admin/users', async (request) => {
    const query = readText(request.query, 'query', SEARCH);
    const limit = readCount(request.query, 'limit', { fallback: 50, min: 1, max: 500 });
    const offset = readCount(request.query, 'offset', { fallback: 0, min: 0, max: 1_000_000_000 });
    const filter = query ? { query } : {};
    const [page, total] = await Promise.all([
      users.listUsers({ ...filter, limit, offset }),
      users.countUsers(filter),
    ]);
    return { users: page.map(toAdminUser), limit, offset, total };
  });

  app.get<UserParams>('/admin/users/:id', async (request) => ({
    user: toAdminUser(await users.getUser(request.params.id)),
  }));

  app.post<UserParams>('/admin/users/:id/suspend', async (request) => {
    const { user } = await users.suspend(adminActorOf(request), request.params.id, requestContext(request));
    return { user: toAdminUser(user) };
  });

  app.post<UserParams>('/admin/users/:id/unsuspend', async (request) => {
    const user = await users.unsuspend(adminActorOf(request), request.params.id, requestContext(request));
    return { user: toAdminUser(user) };
  });

  app.post<UserParams>('/admin/users/:id/roles', async (request) => {
    const body = readJsonObject(request.body);
    const { user } = await users.setRoles(
      adminActorOf(request),
      request.params.id,
      body.roles,
      requestContext(request),
    );
    return { user: toAdminUser(user) };
  });

  app.delete<UserParams>('/admin/users/:id', async (request, reply) => {
    await users.deleteUser(adminActorOf(request), request.params.id, requestContext(request));
    return reply.code(204).send();
  });
}
