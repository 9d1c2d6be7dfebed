import type { AddressInfo } from 'node:net';
import type { Principal } from '@gatehouse/verify';
import { gatehouse } from '@gatehouse/verify/express';
import express, { type Request, type Response } from 'express';
import { assertType, type Equal, runAdapterSuite } from './support.ts';

runAdapterSuite('Express 5', async (verifier, onAuth) => {
  const app = express();
  app.get('/health', (_req, res) => {
    res.type('text').send('ok');
  });
  app.use('/api', gatehouse(verifier));
  app.get('/api/me', (req: Request, res: Response) => {
    assertType<Equal<typeof req.auth, Principal | undefined>>(true);
    const principal = req.auth!;
    onAuth(principal);
    res.json(principal);
  });
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
});
