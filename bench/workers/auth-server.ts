/**
 * The real Gatehouse auth server (public API of @gatehouse/server: embedded SQLite, in-process
 * revocation feed served over SSE) in a process of its own, on 127.0.0.1 and a random port.
 * Started by the bench; not meant to be run by hand.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer } from '@gatehouse/server';
import { runWorker } from '../lib/run-worker.ts';

export interface AuthServerConfig {
  issuer: string;
  audience: string;
}

runWorker<AuthServerConfig>(async (config) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-bench-auth-'));
  try {
    const server = await startServer(
      loadConfig({
        HOST: '127.0.0.1',
        PORT: '0',
        GATEHOUSE_DATA_DIR: dataDir,
        GATEHOUSE_ISSUER: config.issuer,
        GATEHOUSE_AUDIENCE: config.audience,
        GATEHOUSE_SIGNING_ALG: 'ES256',
        LOG_LEVEL: 'silent',
      }),
      { logger: false, print: () => {} },
    );
    return {
      ready: { url: server.url },
      async close() {
        await server.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
});
