/** The billing service: Hono on @hono/node-server, every route under /invoices guarded by @gatehouse/verify. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type GatehouseEnv, gatehouse } from '@gatehouse/verify/hono';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { CORS, corsOrigins } from './lib/cors.ts';
import { startServiceVerifier } from './lib/service-verifier.ts';
import { stopOnSignals } from './lib/stop-on-signals.ts';

const port = Number(process.env.PORT ?? 4002);
const { verifier, stop } = await startServiceVerifier('billing');

const app = new Hono<GatehouseEnv>();
// Before the guard: a browser's preflight carries no token.
const allowedOrigins = corsOrigins();
if (allowedOrigins.length > 0)
  app.use(
    '*',
    cors({
      origin: allowedOrigins,
      allowMethods: [...CORS.allowMethods],
      allowHeaders: [...CORS.allowHeaders],
      exposeHeaders: [...CORS.exposeHeaders],
      maxAge: CORS.maxAge,
    }),
  );
app.get('/health', (c) => c.text('ok'));
// Hono's `/invoices/*` also matches `/invoices` itself.
app.use('/invoices/*', gatehouse(verifier));
app.get('/invoices', (c) => {
  const principal = c.get('auth');
  return c.json({
    service: 'billing',
    user: principal.sub,
    credential: principal.strategy,
    invoices: [{ id: 'inv_1', amountCents: 1299, status: 'paid' }],
  });
});

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info: AddressInfo) => {
  console.log(`billing listening on http://127.0.0.1:${info.port}`);
});
server.on('error', (error: Error) => {
  console.error(`billing: cannot listen on port ${port}: ${error.message}`);
  process.exit(1);
});
stopOnSignals('billing', async () => {
  server.close();
  if ('closeAllConnections' in server) server.closeAllConnections();
  await stop();
});
