import { type AuditStore, InvalidInputError } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { toAuditView } from './admin-views.ts';
import { type QueryParams, readCount, readText, readTime } from './query-params.ts';

const ID = /^[A-Za-z0-9_-]{1,128}$/;
const EVENT_TYPE = /^[a-z][a-z0-9_.]{0,63}$/;

/** `GET /admin/audit?userId=&type=&from=&to=&limit=`: newest first; `userId` matches actor or subject. */
export function registerAdminAuditRoute(app: FastifyInstance, audit: Pick<AuditStore, 'query'>): void {
  app.get<{ Querystring: QueryParams }>('/admin/audit', async (request) => {
    const userId = readText(request.query, 'userId', ID);
    const type = readText(request.query, 'type', EVENT_TYPE);
    const from = readTime(request.query, 'from');
    const to = readTime(request.query, 'to');
    if (from !== undefined && to !== undefined && from > to)
      throw new InvalidInputError('from after to', 'from');
    const limit = readCount(request.query, 'limit', { fallback: 100, min: 1, max: 500 });
    const events = await audit.query({
      limit,
      ...(userId === undefined ? {} : { userId }),
      ...(type === undefined ? {} : { type }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    });
    return { events: events.map(toAuditView) };
  });
}
