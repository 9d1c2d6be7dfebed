import { isGatehouseError, OverloadedError } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from '../error-map.ts';
import { noteRefusal } from './request-log.ts';

/**
 * Fastify error handler: the mapped status, headers and generic body, nothing else. The detail
 * (error code, message, stack) goes to the log; core messages never contain secrets. A 503 for
 * hashing at capacity is an answer, not a fault: during a login flood it is sent hundreds of times
 * a second, so it is logged as a refusal (its request line, at `warn`, says why), not with a stack.
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const response = toErrorResponse(error);
  noteRefusal(request, error, response);
  if (response.status >= 500 && !(error instanceof OverloadedError)) {
    request.log.error({ err: error }, 'request failed');
  } else {
    // Core messages are written to be logged (never a secret); Fastify's may quote input, so not those.
    const detail = isGatehouseError(error)
      ? { code: error.code, reason: error.message }
      : { code: (error as { code?: unknown } | null)?.code };
    request.log.debug({ ...detail, status: response.status }, 'request refused');
  }
  reply.code(response.status).headers(response.headers).send(response.body);
}
