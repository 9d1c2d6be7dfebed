import { constantTimeEqual } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';

/**
 * True when the request carries exactly one `Authorization: Bearer <serviceToken>` header.
 * Read from the raw header list, because Node keeps only the first of duplicated headers in
 * `headers`. Compared in constant time: this is a long-lived shared secret.
 */
export function hasServiceCredential(request: FastifyRequest, serviceToken: string): boolean {
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let index = 0; index < raw.length; index += 2) {
    if (raw[index]!.toLowerCase() === 'authorization') values.push(raw[index + 1]!);
  }
  if (values.length !== 1) return false;
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(values[0]!);
  return match !== null && constantTimeEqual(match[1]!, serviceToken);
}
