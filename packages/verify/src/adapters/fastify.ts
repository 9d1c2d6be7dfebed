import { toFailureResponse } from '../lib/failure-response.ts';
import { type NodeRequestLike, type RequestTarget, readNodeHeaders } from '../lib/read-node-headers.ts';
import { verifierNow } from '../lib/verify-now.ts';
import type { Principal, Verifier, VerifyResult } from '../types.ts';

/** The parts of a Fastify request the hook reads and writes (no runtime dependency on fastify). */
export interface FastifyLikeRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The Node request: its `headersDistinct` shows a second Authorization header `headers` drops. */
  raw?: NodeRequestLike;
  /** Set by @fastify/cookie, when registered; otherwise the Cookie header is read. */
  cookies?: Record<string, string | undefined>;
  /** For DPoP proofs (`htm`, `htu`). */
  method?: string;
  url?: string;
  auth?: Principal | null;
}

export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  headers(values: Record<string, string>): FastifyLikeReply;
  send(body: unknown): FastifyLikeReply;
}

// Types `request.auth` on Fastify's own request, as Fastify's docs ask of a decorator; types only.
declare module 'fastify' {
  interface FastifyRequest {
    /** The principal `gatehousePlugin` / `gatehouseHook` verified; null (or absent) before they run. */
    auth?: Principal | null;
  }
}

export interface FastifyLikeInstance {
  decorateRequest(name: 'auth', value: null): unknown;
  addHook(name: 'preHandler', hook: ReturnType<typeof gatehouseHook>): unknown;
}

/**
 * A Fastify preHandler hook (tested with Fastify 5) for one route or a scope: sets
 * `request.auth`, or replies 401 (`WWW-Authenticate: Bearer`) or 503 (`Retry-After`, feed stale)
 * with a generic body.
 *
 * @example
 * import { gatehouseHook } from '@gatehouse/verify/fastify';
 *
 * app.get('/orders', { preHandler: gatehouseHook(verifier) }, async (request) => {
 *   return listOrders(request.auth!.sub);
 * });
 */
export function gatehouseHook(verifier: Verifier) {
  const verify = verifierNow(verifier);

  function settle(
    request: FastifyLikeRequest,
    reply: FastifyLikeReply,
    result: VerifyResult,
  ): FastifyLikeReply | undefined {
    if (result.ok) {
      request.auth = result.principal;
      return undefined;
    }
    const failure = toFailureResponse(result);
    return reply.code(failure.status).headers(failure.headers).send(failure.body);
  }

  // Not an async function: given Fastify's `done`, a cache hit goes on to the handler at once,
  // without a promise; anything else returns one, which Fastify then awaits instead of `done`.
  return (
    request: FastifyLikeRequest,
    reply: FastifyLikeReply,
    done?: (error?: Error) => void,
  ): Promise<FastifyLikeReply | undefined> | undefined => {
    let verdict: VerifyResult | Promise<VerifyResult>;
    try {
      verdict = verify(readNodeHeaders(request.headers, request.raw, request.cookies, request, targetOf));
    } catch (error) {
      // Where verifyRequest would have rejected: Fastify answers a rejected hook as an error.
      return Promise.reject(error);
    }
    if (verdict instanceof Promise) return verdict.then((result) => settle(request, reply, result));
    if (done === undefined || !verdict.ok) return Promise.resolve(settle(request, reply, verdict));
    settle(request, reply, verdict);
    done();
    return undefined;
  };
}

/** A DPoP proof's `htm` and `htu`. */
function targetOf(request: FastifyLikeRequest): RequestTarget {
  return { method: request.method, url: request.url };
}

/**
 * A plugin that decorates `request.auth` and guards every route of the scope it is registered in.
 * Like fastify-plugin, it opts out of encapsulation, or its hook would guard only its own (empty)
 * child scope. Routes outside that scope are untouched.
 *
 * @example
 * import Fastify from 'fastify';
 * import { gatehousePlugin } from '@gatehouse/verify/fastify';
 *
 * const app = Fastify();
 * app.get('/health', async () => 'ok'); // open
 * await app.register(
 *   async (api) => {
 *     await api.register(gatehousePlugin(verifier));
 *     api.get('/me', async (request) => request.auth); // guarded
 *   },
 *   { prefix: '/api' },
 * );
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
