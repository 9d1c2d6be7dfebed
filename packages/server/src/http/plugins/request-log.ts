import { isGatehouseError } from '@gatehouse/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorResponse, toErrorResponse } from '../error-map.ts';
import { clientAddress } from '../request-context.ts';

/** Why a request was refused: the body's code, the internal code, and the reason written for logs. */
export interface Refusal {
  error: string;
  code?: string;
  reason?: string;
}

const refusals = new WeakMap<FastifyRequest, Refusal>();

/**
 * Remembers why `request` was refused, for its request line. Core messages are written to be
 * logged (never a secret); other errors (Fastify's, which may quote input) give only their code.
 * `response`: the error's mapped answer when the caller has it already (the error handler).
 */
export function noteRefusal(
  request: FastifyRequest,
  error: unknown,
  { body }: Pick<ErrorResponse, 'body'> = toErrorResponse(error),
): void {
  const code = (error as { code?: unknown } | null)?.code;
  refusals.set(request, {
    error: body.error,
    ...(typeof code === 'string' ? { code } : {}),
    ...(isGatehouseError(error) ? { reason: error.message } : {}),
  });
}

/** Strips the query string: a token sent there by mistake stays out of the logs. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?[redacted]`;
}

/**
 * One log line per request, when its response is sent: method, path, status, time taken, client
 * address and, for a refusal, why (`refusal: {error, code, reason}`). Replaces Fastify's two lines
 * (arrival and completion). 5xx at `error`, except hashing at capacity (an answer to load, counted in
 * `gatehouse_password_hash_overload_total`) at `warn`; everything else at `info`.
 */
export function logEachRequest(app: FastifyInstance): void {
  // Answers sent without throwing (404 not_found, a feed guard's 401): their body's code is the reason.
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode < 400 || refusals.has(request)) return payload;
    if (typeof payload === 'string' && payload.length <= 200) {
      try {
        const { error } = JSON.parse(payload) as { error?: unknown };
        if (typeof error === 'string') refusals.set(request, { error });
      } catch {
        // Not a JSON error body: the status says enough.
      }
    }
    return payload;
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const statusCode = reply.statusCode;
    const refusal = refusals.get(request);
    const line = {
      method: request.method,
      url: pathOf(request.url),
      statusCode,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
      remoteAddress: clientAddress(request),
      ...(refusal ? { refusal } : {}),
    };
    const message = `${request.method} ${line.url} ${statusCode}${refusal ? ` ${refusal.error}${refusal.reason ? `: ${refusal.reason}` : ''}` : ''}`;
    if (statusCode >= 500 && refusal?.code !== 'ERR_OVERLOADED') request.log.error(line, message);
    else if (statusCode >= 500) request.log.warn(line, message);
    else request.log.info(line, message);
  });
}
