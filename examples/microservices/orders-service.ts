/** The orders service: Express 5, every route under /orders guarded by @gatehouse/verify. */
import type { Server } from 'node:http';
import { gatehouse } from '@gatehouse/verify/express';
import express from 'express';
import { corsOrigins, expressCors } from './lib/cors.ts';
import { startServiceVerifier } from './lib/service-verifier.ts';
import { stopOnSignals } from './lib/stop-on-signals.ts';

const port = Number(process.env.PORT ?? 4001);
const { verifier, stop } = await startServiceVerifier('orders');

const app = express();
// Before the guard: a browser's preflight carries no token.
const allowedOrigins = corsOrigins();
if (allowedOrigins.length > 0) app.use(expressCors(allowedOrigins));
app.get('/health', (_req, res) => {
  res.type('text').send('ok');
});
app.use('/orders', gatehouse(verifier));
app.get('/orders', (req, res) => {
  const principal = req.auth!;
  res.json({
    service: 'orders',
    user: principal.sub,
    credential: principal.strategy,
    orders: [{ id: 'ord_1', item: 'teapot', quantity: 1 }],
  });
});

const server: Server = app.listen(port, '127.0.0.1', (error?: Error) => {
  if (error) {
    console.error(`orders: cannot listen on port ${port}: ${error.message}`);
    process.exit(1);
  }
  const address = server.address();
  console.log(`orders listening on http://127.0.0.1:${typeof address === 'object' && address?.port}`);
});
stopOnSignals('orders', async () => {
  server.close();
  server.closeAllConnections();
  await stop();
});
