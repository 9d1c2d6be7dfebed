import { createKeyAdmin, createUserAdmin } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app-context.ts';
import { registerAdminAuditRoute } from './audit-route.ts';
import { registerAdminKeyRoutes } from './key-routes.ts';
import { createRequireAdmin } from './require-admin.ts';
import { type AdminStatsOptions, registerAdminStatsRoute } from './stats-route.ts';
import { registerAdminUserRoutes } from './user-routes.ts';
import { registerAdminUserSessionRoutes } from './user-session-routes.ts';

/**
 * Every `/admin/*` route, in one encapsulated scope whose hooks authenticate the caller (cookie
 * with CSRF on state changes, or Bearer) and then demand the `admin` role: no route here can be
 * added without both. 401 without a caller, 403 `forbidden` without the role.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  context: AppContext,
  stats: AdminStatsOptions,
): void {
  const users = createUserAdmin(context);
  const keys = createKeyAdmin(context);
  app.register(async (admin) => {
    admin.addHook('onRequest', context.authenticate);
    admin.addHook('onRequest', createRequireAdmin(context));
    registerAdminUserRoutes(admin, users);
    registerAdminUserSessionRoutes(admin, users);
    registerAdminKeyRoutes(admin, keys, context.store.keys);
    registerAdminAuditRoute(admin, context.store.audit, context.store.users);
    registerAdminStatsRoute(admin, stats);
    // Read-only: clients come from configuration (GATEHOUSE_CLIENTS), the same on every instance.
    admin.get('/admin/clients', async () => ({
      clients: context.clients.list().map(({ id, name, strategies, requireDpop }) => ({
        id,
        name,
        strategies,
        requireDpop,
      })),
    }));
  });
}
