import { type ErrorCode, isGatehouseError, OverloadedError, ThrottledError } from '@gatehouse/core';

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
const invalidGrant: ErrorMapping = { status: 400, error: 'invalid_grant' };
const unavailable: ErrorMapping = { status: 503, error: 'temporarily_unavailable' };

/**
 * The one table from core error codes to HTTP. A `Record` over `ErrorCode`, so a code added to
 * core does not compile until it is mapped here. The specific code goes to the logs only.
 */
const byCoreCode: Record<ErrorCode, ErrorMapping> = {
  ERR_INVALID_INPUT: { status: 400, error: 'invalid_request' },
  ERR_INVALID_CREDENTIALS: { status: 401, error: 'invalid_credentials' },
  ERR_PASSWORD_POLICY: { status: 400, error: 'invalid_password' },
  ERR_UNAUTHENTICATED: invalidToken,
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
  return serverError;
}

/** Maps any thrown value to the response the client sees. Unknown errors become 500 server_error. */
export function toErrorResponse(error: unknown): ErrorResponse {
  const mapping = findMapping(error);
  return {
    status: mapping.status,
    body: { error: mapping.error },
    headers: mapping.headers?.(error) ?? {},
  };
}
