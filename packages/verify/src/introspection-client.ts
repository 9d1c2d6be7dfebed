import { isHttpsOrLoopback } from './lib/validate-options.ts';
import type { Principal } from './types.ts';

/** The longest token the auth server introspects; anything longer cannot be one of its credentials. */
const MAX_TOKEN_CHARS = 8192;
/** The server refuses a shorter `GATEHOUSE_SERVICE_TOKEN`, so a shorter one here is a misconfiguration. */
const MIN_SERVICE_TOKEN_CHARS = 32;
const SERVICE_TOKEN = /^[\x21-\x7e]+$/;

export interface IntrospectionClientOptions {
  /** The auth server's introspection endpoint, e.g. `https://auth.example.com/oauth/introspect`. */
  url: string;
  /** The `GATEHOUSE_SERVICE_TOKEN` the auth server runs with (at least 32 characters). */
  serviceToken: string;
  /** Default: the global `fetch`, read once, when the client is created. */
  fetch?: typeof fetch;
  /** Bound on one call, in milliseconds. Default 5000. */
  timeoutMs?: number;
}

export interface IntrospectionClient {
  /** Asks about an access token: its principal (`strategy: 'jwt'`) while active, otherwise null. */
  introspect(token: string): Promise<Principal | null>;
  /** Asks about a session cookie value: its principal (`strategy: 'session'`) while live, otherwise null. */
  validateSession(cookieValue: string): Promise<Principal | null>;
}

/**
 * The auth server could not answer: unreachable, timed out, refused the service token, or sent
 * something that is not an RFC 7662 answer. Distinct from "inactive" (null), so the verifier can
 * answer 503 instead of 401. The message never holds the token or the service token.
 */
export class IntrospectionError extends Error {
  readonly code = 'ERR_INTROSPECTION_FAILED';
  /** The HTTP status, when the server answered at all. */
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
  }
}

type TokenType = 'access_token' | 'session';

/**
 * A client for the auth server's `POST /oauth/introspect` (RFC 7662), authenticated with the
 * service token. Its two methods are what `createVerifier` takes as `introspect` (asked while the
 * feed is stale, with `onStale: 'introspect'`) and `validateSession` (asked for session cookies,
 * whose answers the verifier caches until a revocation event names them). An inactive credential,
 * or one of the other kind, resolves to null; a failed call rejects with `IntrospectionError`.
 * Options are checked here and throw `TypeError`.
 *
 * @example
 * import { createSseFeedSource } from '@gatehouse/verify';
 * import { createIntrospectionClient, createVerifier } from '@gatehouse/verify';
 *
 * const gatehouse = createIntrospectionClient({
 *   url: 'https://auth.example.com/oauth/introspect',
 *   serviceToken: process.env.GATEHOUSE_SERVICE_TOKEN!,
 * });
 * const verifier = createVerifier({
 *   issuer: 'https://auth.example.com',
 *   audience: 'orders-api',
 *   algorithms: ['ES256'],
 *   jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
 *   feed: createSseFeedSource({
 *     baseUrl: 'https://auth.example.com',
 *     headers: { authorization: `Bearer ${process.env.GATEHOUSE_SERVICE_TOKEN}` },
 *   }),
 *   onStale: 'introspect',
 *   introspect: gatehouse.introspect,
 *   validateSession: gatehouse.validateSession,
 * });
 */
export function createIntrospectionClient(options: IntrospectionClientOptions): IntrospectionClient {
  const { url, authorization, fetchImpl, timeoutMs } = validateClientOptions(options);

  async function ask(token: string, expected: TokenType): Promise<Principal | null> {
    if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_CHARS) return null;
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ token }),
        // A redirect would carry the service token somewhere it was not configured to go.
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new IntrospectionError('introspection request failed', { cause });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      const why = response.status === 401 ? ' (is the service token right?)' : '';
      throw new IntrospectionError(`introspection failed: HTTP ${response.status}${why}`, {
        status: response.status,
      });
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw new IntrospectionError('introspection answer is not JSON', { status: 200, cause });
    }
    return toPrincipal(body, expected);
  }

  return {
    introspect: (token) => ask(token, 'access_token'),
    validateSession: (cookieValue) => ask(cookieValue, 'session'),
  };
}

function fail(message: string): never {
  throw new TypeError(`createIntrospectionClient: ${message}`);
}

function validateClientOptions(options: IntrospectionClientOptions) {
  if (typeof options !== 'object' || options === null) fail('options are required');
  let url: URL;
  try {
    url = new URL(String(options.url));
  } catch {
    return fail('url must be an absolute URL');
  }
  if (!isHttpsOrLoopback(url)) fail('url must use https (plain http only on loopback)');
  const { serviceToken } = options;
  if (typeof serviceToken !== 'string' || !SERVICE_TOKEN.test(serviceToken))
    fail('serviceToken must be a non-empty string of visible ASCII characters');
  if (serviceToken.length < MIN_SERVICE_TOKEN_CHARS)
    fail(`serviceToken must be at least ${MIN_SERVICE_TOKEN_CHARS} characters, as the server requires`);
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) fail('timeoutMs must be an integer >= 1');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') fail('fetch is not available; pass options.fetch');
  return { url: url.href, authorization: `Bearer ${serviceToken}`, fetchImpl, timeoutMs };
}

/**
 * Maps an RFC 7662 answer to a principal. Only `active: true` counts as active; a credential of
 * the other kind (a session cookie offered as an access token, or the reverse) is not accepted in
 * its place. An active answer without the claims a principal needs is a broken server, not an
 * inactive token, so it rejects.
 */
function toPrincipal(body: unknown, expected: TokenType): Principal | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new IntrospectionError('introspection answer is not a JSON object', { status: 200 });
  const answer = body as Record<string, unknown>;
  if (answer['active'] !== true) return null;
  if (answer['token_type'] !== expected) return null;
  const { sub, sid, roles, exp } = answer;
  if (
    typeof sub !== 'string' ||
    sub === '' ||
    typeof sid !== 'string' ||
    sid === '' ||
    !Array.isArray(roles) ||
    !roles.every((role) => typeof role === 'string') ||
    !Number.isSafeInteger(exp)
  ) {
    throw new IntrospectionError('introspection answer lacks sub, sid, roles or exp', { status: 200 });
  }
  return {
    sub,
    sid,
    roles: [...(roles as string[])],
    strategy: expected === 'access_token' ? 'jwt' : 'session',
    exp: exp as number,
  };
}
