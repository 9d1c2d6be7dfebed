/**
 * The same tiny app on Fastify, Express and Hono, as a user would write it with the SDK's
 * adapters (`@gatehouse/verify/fastify` etc.), in one of five forms that differ only in what
 * stands before each route's handler: nothing (open), a middleware that does nothing (no-op), the
 * adapter (guarded), the adapter around a verifier that verifies nothing (unverified), or on Hono
 * the adapter's second form, `gatehouseHandler` around the handler (wrapped). Each form is its own
 * app with the very same route table (same paths, same order), so a request to one route costs
 * every form the same routing: Express matches its layers one by one (about 0.25 µs per earlier
 * layer on the 2026-12-05 host), and the routers read a path a character at a time. Used by
 * bench/workers/adapter-app.ts.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Verifier, VerifyResult } from '@gatehouse/verify';
import { gatehouse as expressGatehouse } from '@gatehouse/verify/express';
import { gatehouseHook } from '@gatehouse/verify/fastify';
import { type GatehouseEnv, gatehouseHandler, gatehouse as honoGatehouse } from '@gatehouse/verify/hono';
import express from 'express';
import { VERIFY_NOW } from '../../../packages/verify/src/lib/verify-now.ts';
import Fastify from 'fastify';
import { Hono } from 'hono';

export const FRAMEWORKS = ['fastify', 'express', 'hono'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const FRAMEWORK_LABELS: Record<Framework, string> = {
  fastify: 'Fastify',
  express: 'Express',
  hono: 'Hono (@hono/node-server)',
};

/** What the open route answers; a guarded route answers the principal's `sub` instead. */
export const OPEN_SUB = 'anonymous';

/** What the adapter around a verifier that verifies nothing (the `unverified` form) answers. */
export const UNVERIFIED_SUB = 'unverified';

/**
 * What stands before a route's handler in one form of the app. `unverified` is the adapter as
 * shipped around a verifier that verifies nothing (`verifiesNothing`): the guard's cost without
 * the verifier's, so guarded − unverified is the verifier's own share of a cache hit.
 */
export const APP_FORMS = ['open', 'noop', 'guarded', 'wrapped', 'unverified'] as const;
export type AppForm = (typeof APP_FORMS)[number];

/** The forms each framework's app is built in: `wrapped` only where the adapter has that form (Hono). */
export function formsOf(framework: Framework): readonly AppForm[] {
  return framework === 'hono'
    ? ['open', 'noop', 'guarded', 'wrapped', 'unverified']
    : ['open', 'noop', 'guarded', 'unverified'];
}

/**
 * Not a guard: a Verifier that accepts every request at once with the same principal, in a fresh
 * result object as a cache hit's is, through the registered entry the adapters call without a
 * promise (verify-now.ts). What remains is the adapter's own work: reading the headers, handing
 * the principal to the request, passing it on.
 */
export function verifiesNothing(): Verifier {
  const principal = Object.freeze({
    sub: UNVERIFIED_SUB,
    sid: 'none',
    roles: [],
    strategy: 'jwt',
    exp: 0,
  } as const);
  const now = (): VerifyResult => ({ ok: true, principal });
  const verifier = {
    start: async () => {},
    stop: async () => {},
    verifyRequest: async () => now(),
    verifyToken: async () => now(),
    metrics: () => {
      throw new Error('verifiesNothing() keeps no metrics');
    },
    [VERIFY_NOW]: now,
  };
  return verifier;
}

/** A guarded route: its path and the verifier its adapter guards it with. */
export interface GuardedRoute {
  path: string;
  verifier: Verifier;
}

export interface RunningApp {
  port: number;
  close(): Promise<void>;
}

function listening(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    if (server.listening) resolve((server.address() as AddressInfo).port);
    server.once('error', reject);
    server.once('listening', () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The routes of a form: the `unverified` form's adapters each get a verifier that verifies nothing. */
function routesOf(form: AppForm, routes: GuardedRoute[]): GuardedRoute[] {
  return form === 'unverified' ? routes.map(({ path }) => ({ path, verifier: verifiesNothing() })) : routes;
}

async function startFastify(form: AppForm, routes: GuardedRoute[]): Promise<RunningApp> {
  const app = Fastify({ logger: false });
  app.decorateRequest('auth', null);
  for (const { path, verifier } of routesOf(form, routes)) {
    if (form === 'guarded' || form === 'unverified')
      app.get(path, { preHandler: gatehouseHook(verifier) }, async (request) => ({ sub: request.auth!.sub }));
    else if (form === 'noop')
      app.get(path, { preHandler: (_request, _reply, done) => done() }, async () => ({ sub: OPEN_SUB }));
    else app.get(path, async () => ({ sub: OPEN_SUB }));
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as AddressInfo).port,
    async close() {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

async function startExpress(form: AppForm, routes: GuardedRoute[]): Promise<RunningApp> {
  const app = express();
  const open = (_req: express.Request, res: express.Response) => {
    res.json({ sub: OPEN_SUB });
  };
  for (const { path, verifier } of routesOf(form, routes)) {
    if (form === 'guarded' || form === 'unverified')
      app.get(path, expressGatehouse(verifier), (req, res) => {
        res.json({ sub: req.auth!.sub });
      });
    else if (form === 'noop') app.get(path, (_req, _res, next) => next(), open);
    else app.get(path, open);
  }
  const server = app.listen(0, '127.0.0.1');
  return { port: await listening(server), close: () => closeServer(server) };
}

async function startHono(form: AppForm, routes: GuardedRoute[]): Promise<RunningApp> {
  const app = new Hono<GatehouseEnv>();
  for (const { path, verifier } of routesOf(form, routes)) {
    if (form === 'guarded' || form === 'unverified')
      app.get(path, honoGatehouse(verifier), (c) => c.json({ sub: c.get('auth').sub }));
    else if (form === 'wrapped')
      app.get(
        path,
        gatehouseHandler(verifier, (c) => c.json({ sub: c.get('auth').sub })),
      );
    else if (form === 'noop')
      app.get(
        path,
        async (_c, next) => {
          await next();
        },
        (c) => c.json({ sub: OPEN_SUB }),
      );
    else app.get(path, (c) => c.json({ sub: OPEN_SUB }));
  }
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  return { port: await listening(server), close: () => closeServer(server) };
}

/** One form of a framework's app, listening on its own port. */
export function startApp(framework: Framework, form: AppForm, routes: GuardedRoute[]): Promise<RunningApp> {
  if (framework === 'fastify') return startFastify(form, routes);
  if (framework === 'express') return startExpress(form, routes);
  return startHono(form, routes);
}
