/**
 * An RFC 6749 §5.2 / RFC 9449 §5 error of a token request (login, refresh, `/oauth/token`): 400 with
 * `{error}`. Resource requests answer the same DPoP problems with 401 and a challenge instead.
 */
export class TokenEndpointError extends Error {
  readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce';
  readonly headers: Record<string, string>;
  constructor(
    error: TokenEndpointError['error'],
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.error = error;
    this.headers = options.headers ?? {};
  }
}
