import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type RunningServer, startServer } from '@gatehouse/server';
import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { createAuthClient } from '../e2e/support/auth-client.ts';
import {
  AUDIENCE,
  type AuthServer,
  ISSUER,
  startAuthServer,
  startVerifierServices,
  uniqueEmail,
} from '../e2e/support/gatehouse-stack.ts';
import type { VerifierService } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { assertRefusesFromTheStart, MAX_STALENESS_MS, onBothFeeds } from './feed-support.ts';

describe('faults: the feed loses its data, the revocations survive', { timeout: 90_000 }, () => {
  let redis: TestRedisServer;
  let auth: AuthServer;
  const verifiers: VerifierService[] = [];

  before(async () => {
    redis = await startTestRedisServer();
    auth = await startAuthServer({ redisUrl: redis.url });
  });

  after(async () => {
    await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
    await auth?.close();
    await redis?.stop();
  });

  it('(a) Redis restarted empty: verifiers started afterwards refuse the token revoked before', async (t) => {
    const email = uniqueEmail('feed-loss');
    await auth.client.register(email);
    const revoked = await auth.client.loginWithToken(email);
    await auth.client.logout(revoked);
    // The event reached Redis before it dies (so the loss is Redis's, not a pending publish).
    await waitFor('the revocation to reach Redis', async () => {
      const response = await fetch(`${auth.server.url}/revocations`, {
        headers: { authorization: `Bearer ${auth.serviceToken}` },
      });
      const body = (await response.json()) as { events: Array<{ sid?: string }> };
      return body.events.some((event) => event.sid === revoked.sid) ? true : undefined;
    });

    await redis.restart();
    const restartedAt = performance.now();
    const live = await waitFor('a login after the restart', async () =>
      auth.client.loginWithToken(email).catch(() => undefined),
    );
    const started = await startVerifierServices(
      onBothFeeds(auth.verifierOptions, 'after-restart', redis.url),
    );
    verifiers.push(...started);
    for (const verifier of started) {
      const seen = await assertRefusesFromTheStart(verifier, revoked, live, 'the feed lost its data');
      t.diagnostic(
        `${verifier.name}: answers seen for the revoked token: ${[...seen].join(', ')}; accepting the live one ${(performance.now() - restartedAt).toFixed(0)} ms after the restart`,
      );
    }
  });
});

describe('faults: the auth server restarts (in-process feed)', { timeout: 60_000 }, () => {
  let dataDir: string;
  let server: RunningServer | undefined;
  const verifiers: VerifierService[] = [];
  const serviceToken = 'a-service-token-for-the-restart-test-0123456789';

  const start = async () =>
    startServer(
      loadConfig({ GATEHOUSE_SERVICE_TOKEN: serviceToken }, [
        ...['--data-dir', dataDir, '--host', '127.0.0.1', '--port', '0'],
      ]),
      { logger: false, print: () => {} },
    );

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-faults-'));
  });

  after(async () => {
    await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('(b) a verifier started after the restart refuses the token revoked before it', async () => {
    server = await start();
    const client = createAuthClient(server.url);
    const email = uniqueEmail('restart');
    await client.register(email);
    const revoked = await client.loginWithToken(email);
    await client.logout(revoked);
    await server.close();

    server = await start();
    const live = await createAuthClient(server.url).loginWithToken(email);
    const [verifier] = await startVerifierServices([
      {
        name: 'after-server-restart (sse)',
        feed: 'sse',
        authUrl: server.url,
        issuer: ISSUER,
        audience: AUDIENCE,
        serviceToken,
        maxStalenessMs: MAX_STALENESS_MS,
      },
    ]);
    verifiers.push(verifier!);
    await assertRefusesFromTheStart(verifier!, revoked, live, 'the server restarted');
  });
});
