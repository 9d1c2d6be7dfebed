// Types only: the adapter never loads hono at run time.
import type { Context, Input, Next } from 'hono';
import type { BlankInput } from 'hono/types';
import { toFailureResponse } from '../lib/failure-response.ts';
import {
  isDpopScheme,
  isHeaderNamed,
  mayNeedTarget,
  type RequestTarget,
  withValue,
} from '../lib/read-node-headers.ts';
import { verifierNow } from '../lib/verify-now.ts';
import type { Principal, Verifier, VerifyRequestInput, VerifyResult } from '../types.ts';

/** The parts of a Hono context the adapter uses (no dependency on hono). */
export interface HonoLikeContext {
  req: { raw: { headers: { get(name: string): string | null }; method?: string; url?: string } };
  /** On @hono/node-server, `{ incoming, outgoing }`: Node's request, read while `req.raw` is untouched. */
  env?: unknown;
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
 * are generic. Two Authorization headers are refused: on @hono/node-server they are seen in Node's
 * request (`c.env.incoming`, its `rawHeaders`, as node-server's own `Headers` reads them), unless
 * a middleware rewrote the request or its headers; elsewhere they reach it joined by a comma
 * (Fetch `Headers`).
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
    return Promise.resolve(refusal(c, result));
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

/**
 * The same guard as {@link gatehouse}, wrapped around one route's own handler instead of placed in
 * front of it: the route keeps a single handler, which Hono calls directly, where any middleware
 * on a route makes Hono run its `compose` chain (an async step per handler, a promise per `next()`).
 * On a cache hit the handler runs at once and its own answer goes back as is. The refusals are the
 * middleware's (401 with its challenge, 503 with `Retry-After`), the handler never running; an
 * error thrown by the verifier or the handler goes to `app.onError`, as the middleware's does.
 *
 * `c` is a `Context<GatehouseEnv>`, so `c.get('auth')` is a `Principal` whatever the app's Env.
 * Hono cannot pass its own route types into a wrapped handler; name them when you need them:
 * `gatehouseHandler<MyEnv, '/orders/:id'>(verifier, (c) => …)` (`MyEnv` including
 * `GatehouseEnv['Variables']`).
 *
 * @example
 * import { Hono } from 'hono';
 * import { type GatehouseEnv, gatehouseHandler } from '@gatehouse/verify/hono';
 *
 * const app = new Hono<GatehouseEnv>();
 * app.get('/api/me', gatehouseHandler(verifier, (c) => c.json({ sub: c.get('auth').sub })));
 */
export function gatehouseHandler<
  E extends GatehouseEnv = GatehouseEnv,
  P extends string = string,
  I extends Input = BlankInput,
  R = Response | Promise<Response>,
>(
  verifier: Verifier,
  handler: (c: Context<E, P, I>, next: Next) => R,
): (c: Context<E, P, I>, next: Next) => R | Response | Promise<Awaited<R> | Response> {
  const verify = verifierNow(verifier);
  function settle(c: Context<E, P, I>, next: Next, result: VerifyResult): R | Response {
    const context = c as unknown as HonoLikeContext;
    if (result.ok) {
      context.set('auth', result.principal);
      return handler(c, next);
    }
    return refusal(context, result);
  }
  // Neither async nor a promise on a cache hit: a throw here reaches Hono's error handler as the
  // middleware's rejection does.
  return (c, next) => {
    const verdict = verify(readHonoRequest(c as unknown as HonoLikeContext));
    return verdict instanceof Promise
      ? (verdict.then((result) => settle(c, next, result)) as Promise<Awaited<R> | Response>)
      : settle(c, next, verdict);
  };
}

/** The answer to a refused request, the same from the middleware and the wrapped handler. */
function refusal(c: HonoLikeContext, result: Exclude<VerifyResult, { ok: true }>): Response {
  const failure = toFailureResponse(result);
  return c.json(failure.body, failure.status, failure.headers);
}

function nothing(): undefined {
  return undefined;
}

/**
 * The verifier's input. From Node's request (`c.env.incoming`) where `c.req.raw` is the request
 * @hono/node-server made from it and its Fetch `Headers` were never built (so no middleware can
 * have rewritten them), read as node-server's `Headers` would read it: every Authorization and
 * DPoP header as received, without building that `Headers` view. Otherwise (a request rewritten
 * by a middleware, other runtimes: workerd, Deno, Bun) from the Fetch request. The method and URL
 * come from `c.req.raw` either way.
 */
function readHonoRequest(c: HonoLikeContext): VerifyRequestInput {
  const raw = c.req.raw;
  const incoming = (c.env as { incoming?: unknown } | null | undefined)?.incoming;
  if (isUntouched(raw, incoming)) return readIncoming(incoming as NodeServerIncoming, raw);
  const { headers, method, url } = raw;
  if (nodeServerRequest === undefined) {
    const node = nodeRequestOf(incoming);
    if (node !== undefined) learnNodeServerRequest(raw, node, headers);
  }
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
  if (authorization !== undefined && isDpopScheme(authorization))
    input.headers.dpop = headers.get('dpop') ?? undefined;
  // The request URL is absolute here; the verifier takes its path and its own configured base.
  if (method !== undefined) input.method = method;
  if (url !== undefined) input.url = url;
  return input;
}

/** Node's request as @hono/node-server passed it: an `IncomingMessage` or an `Http2ServerRequest`. */
interface NodeServerIncoming {
  rawHeaders: string[];
  headers: { cookie?: string | undefined };
}

/**
 * Node's request, read as node-server's own `Headers` reads it: Authorization and DPoP from
 * `rawHeaders` (every value received, so that two of them are seen and refused; Node's `headers`
 * keeps the first Authorization header only), in one pass over it; the Cookie header from Node's
 * `headers` (several joined by `; `), only where there is no Authorization header. The method
 * and URL only under the DPoP scheme, or with several Authorization headers, where the proof
 * check may need them.
 */
function readIncoming(incoming: NodeServerIncoming, raw: RequestTarget): VerifyRequestInput {
  const rawHeaders = incoming.rawHeaders;
  let authorization: string | string[] | undefined;
  let dpop: string | string[] | undefined;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!;
    // Most names differ from both in length.
    if (name.length === 13 && isHeaderNamed(name, 'authorization'))
      authorization = withValue(authorization, rawHeaders[index + 1]!);
    else if (name.length === 4 && isHeaderNamed(name, 'dpop')) dpop = withValue(dpop, rawHeaders[index + 1]!);
  }
  const input: VerifyRequestInput = {
    headers: { authorization, cookie: authorization === undefined ? incoming.headers.cookie : undefined },
  };
  if (dpop !== undefined) input.headers.dpop = dpop;
  if (authorization !== undefined && mayNeedTarget(authorization)) {
    const { method, url } = raw;
    if (method !== undefined) input.method = method;
    if (url !== undefined) input.url = url;
  }
  return input;
}

/**
 * Node's request where @hono/node-server passed it (`c.env` is `{ incoming, outgoing }`; an
 * `IncomingMessage` or an `Http2ServerRequest`, both with `rawHeaders`), otherwise undefined: on
 * other runtimes `c.env` is their bindings or server, or nothing.
 */
function nodeRequestOf(incoming: unknown): NodeServerIncoming | undefined {
  if (typeof incoming !== 'object' || incoming === null) return undefined;
  const { headers, rawHeaders } = incoming as Partial<NodeServerIncoming>;
  return Array.isArray(rawHeaders) && typeof headers === 'object' && headers !== null
    ? (incoming as NodeServerIncoming)
    : undefined;
}

/**
 * How @hono/node-server's own requests are told apart: their prototype, and the symbol-keyed
 * fields (module-private, so found by value, not by name) that hold the Node request and, once
 * built, the Fetch `Headers`. Learnt from the first request that goes through the Fetch headers;
 * where node-server's request is made differently nothing is learnt, and every request keeps
 * going through the Fetch headers.
 */
interface NodeServerRequest {
  prototype: object;
  incoming: symbol;
  headers: symbol;
}
let nodeServerRequest: NodeServerRequest | undefined;

function learnNodeServerRequest(raw: object, incoming: object, headers: object): void {
  const prototype = Object.getPrototypeOf(raw) as object | null;
  // node-server's request reads its headers through a getter of its own prototype.
  if (prototype === null || typeof Object.getOwnPropertyDescriptor(prototype, 'headers')?.get !== 'function')
    return;
  let incomingKey: symbol | undefined;
  let headersKey: symbol | undefined;
  for (const key of Object.getOwnPropertySymbols(raw)) {
    const value = (raw as Record<symbol, unknown>)[key];
    if (value === incoming) incomingKey = incomingKey === undefined ? key : undefined;
    else if (value === headers) headersKey = headersKey === undefined ? key : undefined;
  }
  if (incomingKey !== undefined && headersKey !== undefined)
    nodeServerRequest = { prototype, incoming: incomingKey, headers: headersKey };
}

/**
 * `raw` is node-server's request made from `incoming`, whose Fetch `Headers` were never built.
 * Its own fields first: once they are read, the optimizing compiler may know `raw`'s prototype.
 */
function isUntouched(raw: object, incoming: unknown): boolean {
  const known = nodeServerRequest;
  if (known === undefined || typeof incoming !== 'object' || incoming === null) return false;
  const fields = raw as Record<symbol, unknown>;
  return (
    fields[known.incoming] === incoming &&
    fields[known.headers] === undefined &&
    Object.getPrototypeOf(raw) === known.prototype
  );
}
