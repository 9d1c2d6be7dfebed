/** An answer other than 2xx from the auth server: its status and generic error code. */
export class GatehouseError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfterSeconds: number | null;
  constructor(status: number, code: string, retryAfterSeconds: number | null = null) {
    super(`${status} ${code}`);
    this.name = 'GatehouseError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The `GatehouseError` for a refused answer: its `error` code (when JSON) and `Retry-After`. */
export async function errorFrom(response: Response): Promise<GatehouseError> {
  let code = 'http_error';
  try {
    const body: unknown = await response.json();
    const error = (body as { error?: unknown } | null)?.error;
    if (typeof error === 'string') code = error;
  } catch {
    // not JSON: keep the generic code
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return new GatehouseError(
    response.status,
    code,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}
