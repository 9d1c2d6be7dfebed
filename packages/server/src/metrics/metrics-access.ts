import type { FastifyRequest } from 'fastify';

const LOOPBACK = /^(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

// A proxy on the same host connects from loopback on behalf of anyone; these headers give it away.
const FORWARDING_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'];

/** The TCP peer is this machine and no proxy says it is relaying someone else. */
export function isDirectLoopback(request: FastifyRequest): boolean {
  // The socket's address, not `request.ip`: trustProxy must not turn a forwarded address into "local".
  const peer = request.raw.socket.remoteAddress ?? '';
  return LOOPBACK.test(peer) && FORWARDING_HEADERS.every((name) => request.headers[name] === undefined);
}
