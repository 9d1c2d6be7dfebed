// @ts-check
import { hybridClient } from './hybrid.js';

/**
 * The one way the UI talks to the server: same-origin JSON over fetch, the session cookie sent by
 * the browser (HttpOnly: script never sees it), and the CSRF token on every state change.
 */

/** An answer other than 2xx: the status and the server's generic error code. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {number | null} retryAfterSeconds
   */
  constructor(status, code, retryAfterSeconds = null) {
    super(`${status} ${code}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** @type {string | null} */
let csrfToken = null;
/** @type {((reason: string) => void) | null} */
let onSessionLost = null;

/** @param {string | null} token */
export function setCsrfToken(token) {
  csrfToken = token;
}

/**
 * Called when a request that needed the session is refused with `invalid_token`: the session was
 * revoked elsewhere (another device, an admin) or expired.
 *
 * @param {(reason: string) => void} listener
 */
export function whenSessionLost(listener) {
  onSessionLost = listener;
}

/** Tells the page its session is gone (e.g. the hybrid client heard it from another tab). @param {string} message */
export function sessionLost(message) {
  onSessionLost?.(message);
}

/**
 * @param {'GET' | 'POST' | 'DELETE'} method
 * @param {string} path same-origin path, e.g. `/auth/me`
 * @param {{ body?: unknown, signal?: AbortSignal, anonymous?: boolean }} [options]
 *   `anonymous`: a 401 is an expected answer (sign-in, "am I signed in?"), not a lost session.
 * @returns {Promise<any>} the parsed JSON body, or null for an empty answer
 */
export async function request(method, path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  // On the hybrid, the client adds the access token (and refreshes it); no cookie, no CSRF token.
  const client = await hybridClient();
  const response = await (client ? client.fetch.bind(client) : fetch)(path, {
    method,
    headers,
    credentials: 'same-origin',
    cache: 'no-store',
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  /** @type {any} */
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (response.ok) return body;
  const code = typeof body?.error === 'string' ? body.error : 'http_error';
  const retryAfter = Number(response.headers.get('retry-after'));
  const error = new ApiError(
    response.status,
    code,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
  if (response.status === 401 && code === 'invalid_token' && !options.anonymous && onSessionLost) {
    onSessionLost(
      'Your session has ended: it was signed out from another device, by an administrator, or it expired.',
    );
  }
  throw error;
}

/**
 * Words for an error, for the person in front of the screen.
 *
 * @param {unknown} error
 * @returns {string}
 */
export function describeError(error) {
  if (!(error instanceof ApiError)) {
    return error instanceof Error && error.name === 'AbortError'
      ? 'The request was cancelled.'
      : 'The server could not be reached. Check your connection and try again.';
  }
  switch (error.code) {
    case 'invalid_credentials':
      return 'That email and password do not match an active account.';
    case 'too_many_attempts':
      return `Too many attempts. Try again in ${error.retryAfterSeconds ?? 'a few'} seconds.`;
    case 'invalid_password':
      return 'Passwords need between 12 and 128 characters.';
    case 'invalid_token':
      return 'You are not signed in.';
    case 'csrf':
      return 'The request was refused as cross-site. Reload the page and try again.';
    case 'invalid_email':
      return 'That email holds invisible or direction-changing characters. Type it again by hand.';
    case 'invalid_reset_token':
      return 'This link is invalid, has expired, or was already used. Request a new one.';
    case 'forbidden':
      return 'You need the admin role for this.';
    case 'not_found':
      return 'Not found: it may have been removed already.';
    case 'invalid_request':
      return 'The server could not accept that input.';
    default:
      return `Something went wrong (${error.status}). Try again.`;
  }
}
