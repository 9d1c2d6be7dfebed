/**
 * Every error Gatehouse raises on purpose carries a stable `code`. The HTTP layer maps codes to
 * statuses and generic bodies in one table; the message is for logs and never holds a secret.
 */
export type ErrorCode =
  | 'ERR_INVALID_INPUT'
  /** An email with invisible or direction-changing characters (Unicode category Cf). */
  | 'ERR_INVALID_EMAIL'
  | 'ERR_INVALID_CREDENTIALS'
  | 'ERR_PASSWORD_POLICY'
  | 'ERR_UNAUTHENTICATED'
  | 'ERR_SESSION_INVALID'
  | 'ERR_SESSION_EXPIRED'
  | 'ERR_CSRF'
  | 'ERR_FORBIDDEN'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_THROTTLED'
  | 'ERR_REFRESH_INVALID'
  | 'ERR_REFRESH_REUSED'
  | 'ERR_RESET_TOKEN_INVALID'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_MALFORMED'
  | 'ERR_TOKEN_TOO_LARGE'
  | 'ERR_TOKEN_ALG'
  | 'ERR_TOKEN_HEADER'
  | 'ERR_TOKEN_SIGNATURE'
  | 'ERR_TOKEN_KID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_NOT_YET_VALID'
  | 'ERR_TOKEN_CLAIMS'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_FEED_STALE'
  | 'ERR_KEY_UNAVAILABLE'
  /** A lookup the answer depends on (store, introspection) failed: try again later. */
  | 'ERR_UPSTREAM_UNAVAILABLE'
  /** RFC 9449: a missing, malformed or mismatched DPoP proof. */
  | 'ERR_DPOP_PROOF'
  /** RFC 9449 §8: the proof lacks the server's current nonce (answered `use_dpop_nonce`). */
  | 'ERR_DPOP_NONCE'
  /** A DPoP-bound access token presented as Bearer, or with a proof of another key. */
  | 'ERR_TOKEN_BINDING'
  /** RFC 6749 §5.2: unknown client, or a client presenting another client's grant. */
  | 'ERR_INVALID_CLIENT'
  /** RFC 6749 §5.2: the client may not use this strategy or grant. */
  | 'ERR_UNAUTHORIZED_CLIENT'
  /** Password hashing is at capacity: refused before any work, try again after `retryAfterSeconds`. */
  | 'ERR_OVERLOADED';

export class GatehouseError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

export class InvalidInputError extends GatehouseError {
  /** Which field was wrong (never its value). */
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super('ERR_INVALID_INPUT', message);
    this.field = field;
  }
}

/**
 * An email address holding Unicode format characters (category Cf: U+200B zero width space,
 * U+200D joiner, U+202E right-to-left override, U+2067 isolate, U+FEFF, soft hyphen…). They are
 * invisible or reorder what is shown, so one would make a second "admin@example.com".
 */
export class InvalidEmailError extends GatehouseError {
  readonly field = 'email';
  constructor(message = 'email holds invisible or direction-changing characters') {
    super('ERR_INVALID_EMAIL', message);
  }
}

export class InvalidCredentialsError extends GatehouseError {
  constructor(message = 'invalid credentials', options?: { cause?: unknown }) {
    super('ERR_INVALID_CREDENTIALS', message, options);
  }
}

export class PasswordPolicyError extends GatehouseError {
  readonly reason: 'too_short' | 'too_long' | 'common' | 'invalid';
  constructor(reason: PasswordPolicyError['reason']) {
    super('ERR_PASSWORD_POLICY', `password rejected: ${reason}`);
    this.reason = reason;
  }
}

export class UnauthenticatedError extends GatehouseError {
  constructor(
    code: Extract<
      ErrorCode,
      'ERR_UNAUTHENTICATED' | 'ERR_SESSION_INVALID' | 'ERR_SESSION_EXPIRED'
    > = 'ERR_UNAUTHENTICATED',
    message = 'not authenticated',
  ) {
    super(code, message);
  }
}

export class CsrfError extends GatehouseError {
  constructor(message: string) {
    super('ERR_CSRF', message);
  }
}

export class ForbiddenError extends GatehouseError {
  constructor(message = 'forbidden') {
    super('ERR_FORBIDDEN', message);
  }
}

export class NotFoundError extends GatehouseError {
  constructor(message = 'not found') {
    super('ERR_NOT_FOUND', message);
  }
}

export class ThrottledError extends GatehouseError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('ERR_THROTTLED', 'too many attempts');
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

/**
 * Something bounded is at capacity (`what`: password hashing, see `limitHasher`, by default; the
 * server's revocation streams): nothing was done; retry after a moment. It carries no stack trace
 * (`stack` is its first line only): it is an answer, not a fault, thrown for every refused request
 * of a flood (hundreds a second), and capturing the stack was the larger part of a refusal's cost
 * on the event loop.
 */
export class OverloadedError extends GatehouseError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, what = 'password hashing') {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super('ERR_OVERLOADED', `${what} at capacity`);
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds));
  }
}

export class RefreshTokenError extends GatehouseError {
  constructor(code: Extract<ErrorCode, 'ERR_REFRESH_INVALID' | 'ERR_REFRESH_REUSED'>, message: string) {
    super(code, message);
  }
}

/** A password-reset token that is malformed, unknown, already used or expired: one code for all. */
export class ResetTokenError extends GatehouseError {
  constructor(message: string) {
    super('ERR_RESET_TOKEN_INVALID', message);
  }
}

/** A rejected access token. `code` says why (for logs and metrics); responses stay generic. */
export class TokenError extends GatehouseError {
  constructor(
    code: Extract<
      ErrorCode,
      | 'ERR_TOKEN_INVALID'
      | 'ERR_TOKEN_MALFORMED'
      | 'ERR_TOKEN_TOO_LARGE'
      | 'ERR_TOKEN_ALG'
      | 'ERR_TOKEN_HEADER'
      | 'ERR_TOKEN_SIGNATURE'
      | 'ERR_TOKEN_KID'
      | 'ERR_TOKEN_EXPIRED'
      | 'ERR_TOKEN_NOT_YET_VALID'
      | 'ERR_TOKEN_CLAIMS'
      | 'ERR_TOKEN_REVOKED'
      | 'ERR_TOKEN_BINDING'
      | 'ERR_FEED_STALE'
    >,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A refused DPoP proof (RFC 9449). `code` says whether a fresh nonce would help. */
export class DpopProofError extends GatehouseError {
  constructor(code: Extract<ErrorCode, 'ERR_DPOP_PROOF' | 'ERR_DPOP_NONCE'>, message: string) {
    super(code, message);
  }
}

/** An OAuth client problem at login or the token endpoint (RFC 6749 §5.2). */
export class ClientError extends GatehouseError {
  constructor(code: Extract<ErrorCode, 'ERR_INVALID_CLIENT' | 'ERR_UNAUTHORIZED_CLIENT'>, message: string) {
    super(code, message);
  }
}

export function isGatehouseError(value: unknown): value is GatehouseError {
  return value instanceof GatehouseError;
}
