import { toFailureResponse } from '../lib/failure-response.ts';
import type { Principal, Verifier } from '../types.ts';

/** The parts of a Fastify request the hook reads and writes (no dependency on fastify). */
export interface FastifyLikeRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Set by @fastify/cookie, when registered; otherwise the Cookie header is read. */
  cookies?: Record<string, string | undefined>;
  auth?: Principal | null;
}

export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  headers(values: Record<string, string>): FastifyLikeReply;
  send(body: unknown): FastifyLikeReply;
}

export interface FastifyLikeInstance {
  decorateRequest(name: 'auth', value: null): unknown;
  addHook(name: 'preHandler', hook: ReturnType<typeof gatehouseHook>): unknown;
}

/**
 * A preHandler hook for one route or a scope: sets `request.auth`, or answers 401/503.
 *
 * @example
 * app.get('/orders', { preHandler: gatehouseHook(verifier) }, async (request) => request.auth);
 */
export function gatehouseHook(verifier: Verifier) {
  return async (
    request: FastifyLikeRequest,
    reply: FastifyLikeReply,
  ): Promise<FastifyLikeReply | undefined> => {
    const result = await verifier.verifyRequest(request);
    if (result.ok) {
      request.auth = result.principal;
      return undefined;
    }
    const failure = toFailureResponse(result);
    return reply.code(failure.status).headers(failure.headers).send(failure.body);
  };
}

/**
 * A plugin that decorates `request.auth` and guards every route of the scope it is registered in.
 * Like fastify-plugin, it opts out of encapsulation, or its hook would guard only its own (empty)
 * child scope.
 *
 * @example
 * app.register(async (api) => {
 *   await api.register(gatehousePlugin(verifier));
 *   api.get('/me', async (request) => request.auth);
 * });
 */
export function gatehousePlugin(verifier: Verifier) {
  const plugin = (instance: FastifyLikeInstance, _options: unknown, done: (error?: Error) => void): void => {
    instance.decorateRequest('auth', null);
    instance.addHook('preHandler', gatehouseHook(verifier));
    done();
  };
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'gatehouse',
  });
}
