import type { AddressInfo } from 'node:net';
import type { Principal, Verifier } from '@gatehouse/verify';
import { gatehouseHook, gatehousePlugin } from '@gatehouse/verify/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { assertType, type Equal, runAdapterSuite } from './support.ts';

async function listen(app: FastifyInstance) {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    origin: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  };
}

runAdapterSuite('Fastify 5 plugin', async (verifier: Verifier, onAuth) => {
  const app = Fastify();
  app.get('/health', async () => 'ok');
  await app.register(
    async (api) => {
      await api.register(gatehousePlugin(verifier));
      api.get('/me', async (request) => {
        assertType<Equal<typeof request.auth, Principal | null | undefined>>(true);
        const principal = request.auth!;
        onAuth(principal);
        return principal;
      });
    },
    { prefix: '/api' },
  );
  return listen(app);
});

runAdapterSuite('Fastify 5 route hook', async (verifier: Verifier, onAuth) => {
  const app = Fastify();
  app.get('/health', async () => 'ok');
  app.get('/api/me', { preHandler: gatehouseHook(verifier) }, async (request) => {
    const principal = request.auth!;
    onAuth(principal);
    return principal;
  });
  return listen(app);
});
