import {
  type ErrorCode,
  isGatehouseError,
  OverloadedError,
  refuseCredential,
  ThrottledError,
  UNAVAILABLE_ERROR,
} from '@gatehouse/core';
import { isUnavailableError } from '../store/lib/unavailable-error.ts';
import { TokenEndpointError } from './oauth/token-endpoint-error.ts';
import { SERVICE_CLIENT_CHALLENGE, ServiceClientError } from './service-token-guard.ts';

/** What a failed request answers: a status, a generic body and maybe headers. Never a message or stack. */
export interface ErrorResponse {
  status: number;
  body: { error: string };
  headers: Record<string, string>;
}

interface ErrorMapping {
  status: number;
  error: string;
  headers?: (error: unknown) => Record<string, string>;
}

// A refused credential: the answer the verifier SDK gives too (core protocol/refusal.ts): RFC 6750
// §3 `Bearer error="invalid_token"`, the bare `Bearer` challenge when there were no credentials
// (§3.1), and the DPoP challenge (RFC 9449 §7.1) for a binding, proof or nonce problem.
const credential = (code: ErrorCode): ErrorMapping => {
  const { status, error, headers } = refuseCredential(code);
  return { status, error, headers: () => ({ ...headers }) };
};
const invalidGrant: ErrorMapping = { status: 400, error: 'invalid_grant' };
/** Seconds a client is asked to wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 2;
const unavailable: ErrorMapping = {
  status: 503,
  error: UNAVAILABLE_ERROR,
  headers: () => ({ 'retry-after': String(RETRY_AFTER_SECONDS) }),
};

/**
 * The one table from core error codes to HTTP. A `Record` over `ErrorCode`, so a code added to
 * core does not compile until it is mapped here. The specific code goes to the logs only.
 */
const byCoreCode: Record<ErrorCode, ErrorMapping> = {
  ERR_INVALID_INPUT: { status: 400, error: 'invalid_request' },
  ERR_INVALID_EMAIL: { status: 400, error: 'invalid_email' },
  ERR_INVALID_CREDENTIALS: { status: 401, error: 'invalid_credentials' },
  ERR_PASSWORD_POLICY: { status: 400, error: 'invalid_password' },
  ERR_UNAUTHENTICATED: credential('ERR_UNAUTHENTICATED'),
  ERR_SESSION_INVALID: credential('ERR_SESSION_INVALID'),
  ERR_SESSION_EXPIRED: credential('ERR_SESSION_EXPIRED'),
  ERR_CSRF: { status: 403, error: 'csrf' },
  ERR_FORBIDDEN: { status: 403, error: 'forbidden' },
  ERR_NOT_FOUND: { status: 404, error: 'not_found' },
  ERR_CONFLICT: { status: 409, error: 'conflict' },
  ERR_THROTTLED: {
    status: 429,
    error: 'too_many_attempts',
    headers: (error) => ({
      'retry-after': String(error instanceof ThrottledError ? error.retryAfterSeconds : 1),
    }),
  },
  ERR_REFRESH_INVALID: invalidGrant,
  ERR_REFRESH_REUSED: invalidGrant,
  ERR_RESET_TOKEN_INVALID: { status: 400, error: 'invalid_reset_token' },
  ERR_TOKEN_INVALID: credential('ERR_TOKEN_INVALID'),
  ERR_TOKEN_MALFORMED: credential('ERR_TOKEN_MALFORMED'),
  ERR_TOKEN_TOO_LARGE: credential('ERR_TOKEN_TOO_LARGE'),
  ERR_TOKEN_ALG: credential('ERR_TOKEN_ALG'),
  ERR_TOKEN_HEADER: credential('ERR_TOKEN_HEADER'),
  ERR_TOKEN_SIGNATURE: credential('ERR_TOKEN_SIGNATURE'),
  ERR_TOKEN_KID: credential('ERR_TOKEN_KID'),
  ERR_TOKEN_EXPIRED: credential('ERR_TOKEN_EXPIRED'),
  ERR_TOKEN_NOT_YET_VALID: credential('ERR_TOKEN_NOT_YET_VALID'),
  ERR_TOKEN_CLAIMS: credential('ERR_TOKEN_CLAIMS'),
  ERR_TOKEN_REVOKED: credential('ERR_TOKEN_REVOKED'),
  ERR_TOKEN_BINDING: credential('ERR_TOKEN_BINDING'),
  ERR_DPOP_PROOF: credential('ERR_DPOP_PROOF'),
  ERR_DPOP_NONCE: credential('ERR_DPOP_NONCE'),
  ERR_INVALID_CLIENT: {
    status: 401,
    error: 'invalid_client',
    // Only a client that authenticated with Basic is challenged (RFC 6749 §5.2).
    headers: (error): Record<string, string> =>
      error instanceof ServiceClientError ? { 'www-authenticate': SERVICE_CLIENT_CHALLENGE } : {},
  },
  ERR_UNAUTHORIZED_CLIENT: { status: 400, error: 'unauthorized_client' },
  ERR_FEED_STALE: unavailable,
  // No usable signing key is a server-side condition a client can only retry.
  ERR_KEY_UNAVAILABLE: unavailable,
  ERR_UPSTREAM_UNAVAILABLE: unavailable,
  // Password hashing at capacity: refused before any work, alike for every account.
  ERR_OVERLOADED: {
    ...unavailable,
    headers: (error) => ({
      'retry-after': String(error instanceof OverloadedError ? error.retryAfterSeconds : 1),
    }),
  },
};

const invalidRequest: ErrorMapping = { status: 400, error: 'invalid_request' };

/** Fastify's own errors for malformed input: always a 4xx, never a 5xx. */
const byFrameworkCode: Record<string, ErrorMapping> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, error: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, error: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_JSON_BODY: invalidRequest,
  FST_ERR_CTP_EMPTY_JSON_BODY: invalidRequest,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: invalidRequest,
  FST_ERR_VALIDATION: invalidRequest,
  FST_ERR_BAD_URL: invalidRequest,
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, error: 'invalid_request' },
};

const serverError: ErrorMapping = { status: 500, error: 'server_error' };

function findMapping(error: unknown): ErrorMapping {
  if (isGatehouseError(error)) return byCoreCode[error.code] ?? serverError;
  if (typeof error !== 'object' || error === null) return serverError;
  const { code, statusCode } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'string' && Object.hasOwn(byFrameworkCode, code)) return byFrameworkCode[code]!;
  // Any other client error Fastify raises (it sets statusCode) is still the client's fault.
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500)
    return { status: statusCode, error: 'invalid_request' };
  // A store or feed that is down or slow: "try again", never a 500 (issue 10).
  if (isUnavailableError(error)) return unavailable;
  return serverError;
}

/** Maps any thrown value to the response the client sees. Unknown errors become 500 server_error. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof TokenEndpointError)
    return { status: 400, body: { error: error.error }, headers: { ...error.headers } };
  const mapping = findMapping(error);
  return {
    status: mapping.status,
    body: { error: mapping.error },
    headers: mapping.headers?.(error) ?? {},
  };
}
