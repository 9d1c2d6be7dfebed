import type { FastifyRequest } from 'fastify';

/**
 * Every Authorization header as sent. Node keeps only the first of duplicates in `headers`, so the
 * raw list is read: two headers are ambiguous (a proxy may have checked the other one), and every
 * caller refuses them.
 */
export function authorizationHeaders(request: FastifyRequest): string[] {
  return rawHeaderValues(request, 'authorization');
}

/** Every value of one header (lower-case `name`) as sent, duplicates included. */
export function rawHeaderValues(request: FastifyRequest, name: string): string[] {
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let index = 0; index + 1 < raw.length; index += 2) {
    if (raw[index]!.toLowerCase() === name) values.push(raw[index + 1]!.trim());
  }
  return values;
}
