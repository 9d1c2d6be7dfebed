import { toFailureResponse } from '../lib/failure-response.ts';
import { verifierNow } from '../lib/verify-now.ts';
import type { Principal, Verifier, VerifyRequestInput, VerifyResult } from '../types.ts';

/** The parts of a Hono context the middleware uses (no dependency on hono). */
export interface HonoLikeContext {
  req: { raw: { headers: { get(name: string): string | null }; method?: string; url?: string } };
  set(key: 'auth', value: Principal): void;
  json(body: unknown, status: 401 | 503, headers: Record<string, string>): Response;
}

/**
 * Declare it in your app's Env so `c.get('auth')` is typed: `new Hono<GatehouseEnv>()`, or, with
 * variables of your own, `new Hono<{ Variables: GatehouseEnv['Variables'] & MyVariables }>()`.
 */
export type GatehouseEnv = { Variables: { auth: Principal } };

/**
 * Hono middleware: `c.set('auth', principal)` then `next()`, or a response of its own: 401 with a
 * `WWW-Authenticate: Bearer` challenge, or 503 with `Retry-After` while the feed is stale; bodies
 * are generic. Duplicate Authorization headers reach it joined by a comma (Fetch `Headers`), which
 * is refused.
 *
 * @example
 * import { Hono } from 'hono';
 * import { type GatehouseEnv, gatehouse } from '@gatehouse/verify/hono';
 *
 * const app = new Hono<GatehouseEnv>();
 * app.use('/api/*', gatehouse(verifier));
 * app.get('/api/me', (c) => c.json({ sub: c.get('auth').sub }));
 */
export function gatehouse(verifier: Verifier) {
  const verify = verifierNow(verifier);
  function settle(
    c: HonoLikeContext,
    next: () => Promise<void>,
    result: VerifyResult,
  ): Promise<Response | undefined> {
    if (result.ok) {
      c.set('auth', result.principal);
      return next().then(nothing);
    }
    const failure = toFailureResponse(result);
    return Promise.resolve(c.json(failure.body, failure.status, failure.headers));
  }

  // Not an async function: a cache hit goes on to next() at once, and the only promise made is
  // the one Hono awaits (an async function adds its own, and an await of next()'s).
  return (c: HonoLikeContext, next: () => Promise<void>): Promise<Response | undefined> => {
    let verdict: VerifyResult | Promise<VerifyResult>;
    try {
      verdict = verify(readHonoRequest(c));
    } catch (error) {
      // Where an async middleware would have rejected.
      return Promise.reject(error);
    }
    return verdict instanceof Promise
      ? verdict.then((result) => settle(c, next, result))
      : settle(c, next, verdict);
  };
}

function nothing(): undefined {
  return undefined;
}

/** The verifier's input from the Fetch request: only the headers the verifier will read. */
function readHonoRequest(c: HonoLikeContext): VerifyRequestInput {
  const { headers, method, url } = c.req.raw;
  const authorization = headers.get('authorization') ?? undefined;
  // Each header is read only where the verifier reads it: the cookie when there is no
  // Authorization header, the DPoP proof under the DPoP scheme (the only one starting with d/D).
  const input: VerifyRequestInput = {
    headers: {
      authorization,
      cookie: authorization === undefined ? (headers.get('cookie') ?? undefined) : undefined,
    },
  };
  // Two DPoP headers arrive joined by a comma, which no proof survives.
  if (authorization !== undefined && (authorization.charCodeAt(0) | 0x20) === 0x64)
    input.headers.dpop = headers.get('dpop') ?? undefined;
  // The request URL is absolute here; the verifier takes its path and its own configured base.
  if (method !== undefined) input.method = method;
  if (url !== undefined) input.url = url;
  return input;
}
