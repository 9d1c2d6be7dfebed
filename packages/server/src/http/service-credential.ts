import { constantTimeEqual } from '@gatehouse/core';
import type { FastifyRequest } from 'fastify';
import { authorizationHeaders } from './auth/authorization-headers.ts';

/**
 * True when the request carries exactly one `Authorization: Bearer <serviceToken>` header.
 * Compared in constant time: this is a long-lived shared secret.
 */
export function hasServiceCredential(request: FastifyRequest, serviceToken: string): boolean {
  const values = authorizationHeaders(request);
  if (values.length !== 1) return false;
  const match = /^Bearer ([\x21-\x7e]+)$/i.exec(values[0]!);
  return match !== null && constantTimeEqual(match[1]!, serviceToken);
}
