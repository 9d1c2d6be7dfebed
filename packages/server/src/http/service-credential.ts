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

/** The client_id of the service token when presented as client_secret_basic. */
export const SERVICE_CLIENT_ID = 'service';

/**
 * `Authorization: Basic` with client_id `service` and the service token as client_secret
 * (RFC 6749 §2.3.1: each form-urlencoded, then joined by a colon and base64-encoded).
 */
export function hasServiceClientCredentials(header: string, serviceToken: string): boolean {
  const match = /^basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return false;
  let id: string;
  let secret: string;
  try {
    id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
    secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
  } catch {
    return false;
  }
  // Both compared in full, in constant time: the result must not tell which part was wrong.
  const idMatches = constantTimeEqual(id, SERVICE_CLIENT_ID);
  const secretMatches = constantTimeEqual(secret, serviceToken);
  return idMatches && secretMatches;
}
