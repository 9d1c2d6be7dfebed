import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Fastify's `genReqId`: 96 random bits, base64url. Never taken from the client (a request id a
 * client chooses could collide on purpose or smuggle text into the logs).
 */
export function generateRequestId(): string {
  return randomBytes(12).toString('base64url');
}

/** `onRequest` hook: the id every log line of this request carries goes back as `x-request-id`. */
export async function exposeRequestId(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('x-request-id', request.id);
}
