import type { RequestContext } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';

/**
 * Who is asking, for audit events and session lists. `request.ip` honours the configured
 * `trustProxy`, so a client cannot spoof it with X-Forwarded-For unless a trusted proxy says so.
 */
export function requestContext(request: FastifyRequest): RequestContext {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null };
}
