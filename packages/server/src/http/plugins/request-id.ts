import { systemRandom, toBase64Url } from '@gatehouse/core';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/**
 * Fastify's `genReqId`: 96 random bits, base64url. Never taken from the client (a request id a
 * client chooses could collide on purpose or smuggle text into the logs). Drawn from core's pooled
 * CSPRNG block (`systemRandom`): a `randomBytes` call per request was a job object and a locked
 * DRBG call on every request, refused logins of a flood included.
 */
export function generateRequestId(): string {
  return toBase64Url(systemRandom.bytes(12));
}

/**
 * `onRequest` hook: the id every log line of this request carries goes back as `x-request-id`. A
 * callback hook (nothing to wait for): no promise and microtask turn per request.
 */
export function exposeRequestId(
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  reply.header('x-request-id', request.id);
  done();
}
