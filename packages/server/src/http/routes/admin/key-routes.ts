import { type KeyAdmin, NotFoundError, type GatehouseStore } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { requestContext } from '../../request-context.ts';
import { toKeyView } from './admin-views.ts';
import { adminActorOf } from './require-admin.ts';

/** `GET /admin/keys` (metadata), `POST /admin/keys/rotate`, `POST /admin/keys/:kid/revoke`. */
export function registerAdminKeyRoutes(
  app: FastifyInstance,
  keys: KeyAdmin,
  keyStore: GatehouseStore['keys'],
): void {
  app.get('/admin/keys', async () => {
    const records = await keyStore.list();
    return { keys: records.sort((a, b) => b.createdAt - a.createdAt).map(toKeyView) };
  });

  app.post('/admin/keys/rotate', async (request) => {
    const kid = await keys.rotate(adminActorOf(request), requestContext(request));
    return { kid };
  });

  app.post<{ Params: { kid: string } }>('/admin/keys/:kid/revoke', async (request, reply) => {
    const revoked = await keys.revoke(adminActorOf(request), request.params.kid, requestContext(request));
    if (!revoked) throw new NotFoundError('no such signing key');
    return reply.code(204).send();
  });
}
