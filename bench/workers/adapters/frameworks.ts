/**
 * The same tiny app on Fastify, Express and Hono, as a user would write it with the SDK's
 * adapters (`@gatehouse/verify/fastify` etc.): one open route and one route per guard, every one
 * answering a one-field JSON body; on Hono, each guard also guards a second route through
 * `gatehouseHandler` (the route's handler wrapped, no middleware). Used by bench/workers/adapter-app.ts.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Verifier } from '@gatehouse/verify';
import { gatehouse as expressGatehouse } from '@gatehouse/verify/express';
import { gatehouseHook } from '@gatehouse/verify/fastify';
import { type GatehouseEnv, gatehouseHandler, gatehouse as honoGatehouse } from '@gatehouse/verify/hono';
import express from 'express';
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
export const OPEN_PATH = '/open';
/** The open route behind a middleware that does nothing: what the framework charges for any guard. */
export const NOOP_PATH = '/open-noop';

/**
 * Where a framework's adapter has a second form, the route it guards with it (same verifier, same
 * answer): Hono's `gatehouseHandler`, which keeps the route to a single handler. As long as the
 * guarded route's path (`/guarded/ES256` → `/wrapped/ES256`): Hono and node-server read the URL a
 * character at a time (some 40–100 instructions each under callgrind), so a longer path would
 * charge the wrapped form for its name.
 */
export function wrappedPathOf(framework: Framework, path: string): string | undefined {
  return framework === 'hono' ? path.replace(/^\/guarded\//, '/wrapped/') : undefined;
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

async function startFastify(routes: GuardedRoute[]): Promise<RunningApp> {
  const app = Fastify({ logger: false });
  app.decorateRequest('auth', null);
  app.get(OPEN_PATH, async () => ({ sub: OPEN_SUB }));
  app.get(NOOP_PATH, { preHandler: (_request, _reply, done) => done() }, async () => ({ sub: OPEN_SUB }));
  for (const { path, verifier } of routes) {
    app.get(path, { preHandler: gatehouseHook(verifier) }, async (request) => ({ sub: request.auth!.sub }));
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

async function startExpress(routes: GuardedRoute[]): Promise<RunningApp> {
  const app = express();
  app.get(OPEN_PATH, (_req, res) => {
    res.json({ sub: OPEN_SUB });
  });
  app.get(
    NOOP_PATH,
    (_req, _res, next) => next(),
    (_req, res) => {
      res.json({ sub: OPEN_SUB });
    },
  );
  for (const { path, verifier } of routes) {
    app.get(path, expressGatehouse(verifier), (req, res) => {
      res.json({ sub: req.auth!.sub });
    });
  }
  const server = app.listen(0, '127.0.0.1');
  return { port: await listening(server), close: () => closeServer(server) };
}

async function startHono(routes: GuardedRoute[]): Promise<RunningApp> {
  const app = new Hono<GatehouseEnv>();
  app.get(OPEN_PATH, (c) => c.json({ sub: OPEN_SUB }));
  app.get(
    NOOP_PATH,
    async (_c, next) => {
      await next();
    },
    (c) => c.json({ sub: OPEN_SUB }),
  );
  for (const { path, verifier } of routes) {
    app.get(path, honoGatehouse(verifier), (c) => c.json({ sub: c.get('auth').sub }));
    app.get(
      wrappedPathOf('hono', path)!,
      gatehouseHandler(verifier, (c) => c.json({ sub: c.get('auth').sub })),
    );
  }
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  return { port: await listening(server), close: () => closeServer(server) };
}

export function startApp(framework: Framework, routes: GuardedRoute[]): Promise<RunningApp> {
  if (framework === 'fastify') return startFastify(routes);
  if (framework === 'express') return startExpress(routes);
  return startHono(routes);
}
