/**
 * Every error Gatehouse raises on purpose carries a stable `code`. The HTTP layer maps codes to
 * statuses and generic bodies in one table; the message is for logs and never holds a secret.
 */
export type ErrorCode =
  | 'ERR_INVALID_INPUT'
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

/** Password hashing is at capacity (see `limitHasher`): nothing was done; retry after a moment. */
export class OverloadedError extends GatehouseError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('ERR_OVERLOADED', 'password hashing at capacity');
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
      | 'ERR_FEED_STALE'
    >,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

export function isGatehouseError(value: unknown): value is GatehouseError {
  return value instanceof GatehouseError;
}
