import {
  DPOP_ALGORITHMS,
  type ErrorCode,
  isGatehouseError,
  OverloadedError,
  ThrottledError,
} from '@gatehouse/core';
import { isUnavailableError } from '../store/lib/unavailable-error.ts';
import { TokenEndpointError } from './oauth/token-endpoint-error.ts';

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

// RFC 6750 §3: a rejected credential says so in WWW-Authenticate, with nothing more specific.
const invalidToken: ErrorMapping = {
  status: 401,
  error: 'invalid_token',
  headers: () => ({ 'www-authenticate': 'Bearer error="invalid_token"' }),
};
// RFC 6750 §3.1: a request that carried no credentials gets the challenge without an error code.
const noCredentials: ErrorMapping = {
  status: 401,
  error: 'invalid_token',
  headers: () => ({ 'www-authenticate': 'Bearer' }),
};
// RFC 9449 §7.1: refusals that concern a DPoP-bound token or its proof challenge with the DPoP scheme.
const dpopChallenge = (error: string): ErrorMapping => ({
  status: 401,
  error,
  headers: () => ({ 'www-authenticate': `DPoP error="${error}", algs="${DPOP_ALGORITHMS.join(' ')}"` }),
});
const invalidGrant: ErrorMapping = { status: 400, error: 'invalid_grant' };
/** Seconds a client is asked to wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 2;
const unavailable: ErrorMapping = {
  status: 503,
  error: 'temporarily_unavailable',
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
  ERR_UNAUTHENTICATED: noCredentials,
  ERR_SESSION_INVALID: invalidToken,
  ERR_SESSION_EXPIRED: invalidToken,
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
  ERR_TOKEN_INVALID: invalidToken,
  ERR_TOKEN_MALFORMED: invalidToken,
  ERR_TOKEN_TOO_LARGE: invalidToken,
  ERR_TOKEN_ALG: invalidToken,
  ERR_TOKEN_HEADER: invalidToken,
  ERR_TOKEN_SIGNATURE: invalidToken,
  ERR_TOKEN_KID: invalidToken,
  ERR_TOKEN_EXPIRED: invalidToken,
  ERR_TOKEN_NOT_YET_VALID: invalidToken,
  ERR_TOKEN_CLAIMS: invalidToken,
  ERR_TOKEN_REVOKED: invalidToken,
  ERR_TOKEN_BINDING: dpopChallenge('invalid_token'),
  ERR_DPOP_PROOF: dpopChallenge('invalid_dpop_proof'),
  ERR_DPOP_NONCE: dpopChallenge('use_dpop_nonce'),
  ERR_INVALID_CLIENT: { status: 401, error: 'invalid_client' },
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
