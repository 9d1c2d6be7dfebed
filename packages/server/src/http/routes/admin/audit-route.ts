import {
  type AuditEvent,
  type AuditStore,
  InvalidInputError,
  USER_ID_PATTERN,
  type UserStore,
} from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { toAuditView } from './admin-views.ts';
import { type QueryParams, readCount, readText, readTime } from './query-params.ts';

const EVENT_TYPE = /^[a-z][a-z0-9_.]{0,63}$/;

/**
 * The current email of every account the events name, looked up once per id. A deleted account
 * has none: the view then shows only its id.
 */
async function emailsOf(
  events: AuditEvent[],
  users: Pick<UserStore, 'getById'>,
): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const event of events) {
    if (event.actorId) ids.add(event.actorId);
    if (event.subjectId) ids.add(event.subjectId);
  }
  const found = await Promise.all(
    [...ids].map(async (id) => [id, (await users.getById(id))?.email] as const),
  );
  return new Map(found.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
}

/**
 * `GET /admin/audit?userId=&type=&from=&to=&limit=`: newest first; `userId` matches actor or
 * subject. Each event also carries `actorEmail` and `subjectEmail` (null when there is no such
 * account now), so the audit view names people, not ids.
 */
export function registerAdminAuditRoute(
  app: FastifyInstance,
  audit: Pick<AuditStore, 'query'>,
  users: Pick<UserStore, 'getById'>,
): void {
  app.get<{ Querystring: QueryParams }>('/admin/audit', async (request) => {
    const userId = readText(request.query, 'userId', USER_ID_PATTERN);
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
    const emails = await emailsOf(events, users);
    return {
      events: events.map((event) => ({
        ...toAuditView(event),
        actorEmail: (event.actorId && emails.get(event.actorId)) || null,
        subjectEmail: (event.subjectId && emails.get(event.subjectId)) || null,
      })),
    };
  });
}
