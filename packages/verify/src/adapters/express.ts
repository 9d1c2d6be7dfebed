import { toFailureResponse } from '../lib/failure-response.ts';
import type { Principal, Verifier } from '../types.ts';

/** The parts of an Express request the middleware reads and writes (no dependency on express). */
export interface ExpressLikeRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Set by cookie-parser, when used; otherwise the Cookie header is read. */
  cookies?: Record<string, string | undefined>;
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

/**
 * Express middleware: sets `req.auth` and calls `next()`, or answers 401/503 itself. A verifier
 * error (say, `validateSession` threw) goes to `next(error)`.
 *
 * @example
 * app.use('/api', gatehouse(verifier));
 * app.get('/api/me', (req, res) => res.json({ sub: (req as AuthenticatedRequest).auth.sub }));
 */
export function gatehouse(verifier: Verifier) {
  return (req: ExpressLikeRequest, res: ExpressLikeResponse, next: ExpressLikeNext): void => {
    verifier.verifyRequest(req).then((result) => {
      if (result.ok) {
        req.auth = result.principal;
        next();
        return;
      }
      const failure = toFailureResponse(result);
      res.status(failure.status).set(failure.headers).json(failure.body);
    }, next);
  };
}
