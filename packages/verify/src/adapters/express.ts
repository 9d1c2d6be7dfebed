import { toFailureResponse } from '../lib/failure-response.ts';
import { type RequestTarget, readNodeHeaders } from '../lib/read-node-headers.ts';
import { verifierNow } from '../lib/verify-now.ts';
import type { Principal, Verifier, VerifyResult } from '../types.ts';

/** The parts of an Express request the middleware reads and writes (no dependency on express). */
export interface ExpressLikeRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Node's headers as received: how a second Authorization header is seen. */
  rawHeaders?: string[];
  /** Node's list of every header value: how a second Authorization header is seen. */
  headersDistinct?: Record<string, string[] | undefined>;
  /** Set by cookie-parser, when used; otherwise the Cookie header is read. */
  cookies?: Record<string, string | undefined>;
  /** For DPoP proofs (`htm`, `htu`): the method and the target before any router stripped a mount path. */
  method?: string;
  originalUrl?: string;
  url?: string;
  auth?: Principal;
}

export interface ExpressLikeResponse {
  status(code: number): ExpressLikeResponse;
  set(headers: Record<string, string>): ExpressLikeResponse;
  json(body: unknown): unknown;
}

export type ExpressLikeNext = (error?: unknown) => void;

/** A request that passed the middleware. */
export type AuthenticatedRequest<R extends ExpressLikeRequest = ExpressLikeRequest> = R & { auth: Principal };

// Types `req.auth` on Express's own Request (as passport types `req.user`), without importing express.
declare global {
  namespace Express {
    interface Request {
      /** Set by `gatehouse()` from `@gatehouse/verify/express` on the requests it lets through. */
      auth?: Principal;
    }
  }
}

/**
 * Express middleware (tested with Express 5): sets `req.auth` and calls `next()`, or answers
 * itself: 401 with a `WWW-Authenticate: Bearer` challenge, or 503 with `Retry-After` while the feed
 * is stale or a session lookup fails. Bodies are generic. Any other verifier error goes to
 * `next(error)`. Importing this module types `req.auth` as `Principal | undefined` on every
 * Express request.
 *
 * @example
 * import express from 'express';
 * import { gatehouse } from '@gatehouse/verify/express';
 *
 * const app = express();
 * app.use('/api', gatehouse(verifier));
 * app.get('/api/me', (req, res) => {
 *   res.json({ sub: req.auth!.sub, roles: req.auth!.roles });
 * });
 */
export function gatehouse(verifier: Verifier) {
  const verify = verifierNow(verifier);

  function settle(
    req: ExpressLikeRequest,
    res: ExpressLikeResponse,
    next: ExpressLikeNext,
    result: VerifyResult,
  ) {
    if (result.ok) {
      req.auth = result.principal;
      next();
      return;
    }
    const failure = toFailureResponse(result);
    res.status(failure.status).set(failure.headers).json(failure.body);
  }

  return (req: ExpressLikeRequest, res: ExpressLikeResponse, next: ExpressLikeNext): void => {
    let verdict: VerifyResult | Promise<VerifyResult>;
    try {
      verdict = verify(readNodeHeaders(req.headers, req, req.cookies, req, targetOf));
    } catch (error) {
      next(error);
      return;
    }
    // A cache hit is answered at once: next() without waiting for a promise.
    if (verdict instanceof Promise) verdict.then((result) => settle(req, res, next, result), next);
    else settle(req, res, next, verdict);
  };
}

/** The method and the target before any router stripped a mount path: a DPoP proof's `htm` and `htu`. */
function targetOf(req: ExpressLikeRequest): RequestTarget {
  return { method: req.method, url: req.originalUrl ?? req.url };
}
