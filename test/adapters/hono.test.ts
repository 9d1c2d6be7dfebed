import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Principal } from '@gatehouse/verify';
import { type GatehouseEnv, gatehouse } from '@gatehouse/verify/hono';
import { Hono } from 'hono';
import { assertType, type Equal, runAdapterSuite } from './support.ts';

runAdapterSuite('Hono on @hono/node-server', async (verifier, onAuth) => {
  const app = new Hono<GatehouseEnv>();
  app.get('/health', (c) => c.text('ok'));
  app.use('/api/*', gatehouse(verifier));
  app.get('/api/me', (c) => {
    const principal = c.get('auth');
    assertType<Equal<typeof principal, Principal>>(true);
    onAuth(principal);
    return c.json(principal);
  });
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve) => {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        resolve({ server, port: info.port }),
      );
    },
  );
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
});
