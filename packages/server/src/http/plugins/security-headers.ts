import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

// Auth and OAuth answers carry tokens, cookies or account data, admin answers users, sessions and
// the audit log: no cache may keep them.
const NO_STORE_PREFIXES = ['/auth/', '/oauth/', '/admin/'];

/** Headers every response gets. */
export function applySecurityHeaders(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  // The matched route's own path when there is one: a percent-encoded spelling (`/%61uth/me`)
  // reaches the same route, so it must get the same headers.
  const path = request.routeOptions?.url ?? request.url;
  if (NO_STORE_PREFIXES.some((prefix) => path.startsWith(prefix) || request.url.startsWith(prefix))) {
    reply.header('cache-control', 'no-store');
  }
}

/**
 * The `onRequest` hook form: runs before routing, so error answers carry the headers too. A
 * callback hook, not an async one: nothing here waits, and an async hook costs every request a
 * promise and a microtask turn.
 */
export function setSecurityHeaders(
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  applySecurityHeaders(request, reply);
  done();
}
