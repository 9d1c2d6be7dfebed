import { isIP } from 'node:net';
import type { RequestContext } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';

/** Longest textual IPv6 address (an IPv4-mapped one with every group written out). */
const MAX_ADDRESS_LENGTH = 45;

/** True for a plain IPv4 or IPv6 address: no zone id (`%eth0`, which may be any length), no port. */
function isPlainAddress(text: string | undefined): text is string {
  return text !== undefined && text.length <= MAX_ADDRESS_LENGTH && !text.includes('%') && isIP(text) !== 0;
}

/**
 * The client's address. `request.ip` is Fastify's proxy-addr answer for the configured
 * `trustProxy`: the socket peer when no proxy is trusted, else the right-most X-Forwarded-For hop
 * that is not a trusted proxy (with `true`, every hop is trusted, so the left-most). proxy-addr
 * hands back whatever text stands in that hop, so the answer must parse as an IP address;
 * anything else (a name, 8,000 characters, a zone id) is replaced by the socket peer's address.
 */
export function clientAddress(request: {
  ip?: string;
  socket?: { remoteAddress?: string | undefined } | null;
}): string | null {
  if (isPlainAddress(request.ip)) return request.ip;
  const peer = request.socket?.remoteAddress;
  return isPlainAddress(peer) ? peer : null;
}

/** Who is asking, for audit events, session lists and the per-address throttles. */
export function requestContext(request: FastifyRequest): RequestContext {
  const userAgent = request.headers['user-agent'];
  return { ip: clientAddress(request), userAgent: typeof userAgent === 'string' ? userAgent : null };
}
