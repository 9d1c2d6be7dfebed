/**
 * Issue 10, points 6 and 10: two auth servers on one PostgreSQL + one Redis (feed and throttle
 * counters), behind a small round-robin HTTP proxy. A session made on one is valid on the other,
 * a logout on one reaches a verifier that follows the other, a key rotated by the CLI is used by
 * both at their next login, a key revoked by the CLI is never used again by either from the moment
 * the command returned, and failed logins are counted together.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { runCli } from '@gatehouse/server';
import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { AUDIENCE, ISSUER, startVerifierServices, uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import type { VerifierService } from '../e2e/support/verifier-service.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import {
  createFaultSchema,
  type FaultServer,
  KEK,
  KEY,
  PASSWORD,
  startFaultServer,
  timedRequest,
} from './support.ts';

const SERVICE_TOKEN = 'a-service-token-for-the-two-instance-test-0123456789';

/** Sends each request to the next backend in turn (not per connection: keep-alive would pin one). */
async function startRoundRobinProxy(
  backends: string[],
): Promise<{ url: string; hits: number[]; close(): Promise<void> }> {
  const hits = backends.map(() => 0);
  let next = 0;
  const server: Server = createServer((incoming, outgoing) => {
    const index = next++ % backends.length;
    hits[index]!++;
    const target = new URL(incoming.url ?? '/', backends[index]);
    const forwarded = httpRequest(
      target,
      { method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function kidOf(accessToken: string): string {
  return JSON.parse(Buffer.from(accessToken.split('.')[0]!, 'base64url').toString('utf8')).kid;
}

describe('faults: two auth instances on one PostgreSQL and one Redis', { timeout: 120_000 }, () => {
  let redis: TestRedisServer;
  let database: Awaited<ReturnType<typeof createFaultSchema>>;
  let env: Record<string, string>;
  const instances: FaultServer[] = [];
  let proxy: Awaited<ReturnType<typeof startRoundRobinProxy>>;
  let verifiers: VerifierService[] = [];

  const cli = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {
      env: { ...env, GATEHOUSE_CSRF_SECRET: KEY, GATEHOUSE_KEY_ENCRYPTION_KEY: KEK },
      readStdin: async () => '',
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    assert.equal(code, 0, err.join('\n'));
    return out;
  };

  const login = async (base: string, email: string) => {
    const reply = await timedRequest(base, 'POST', '/auth/login', {
      body: { email, password: PASSWORD, strategy: 'token' },
    });
    assert.equal(reply.status, 200, `login on ${base}`);
    return reply.body as { accessToken: string; refreshToken: string };
  };

  before(async () => {
    redis = await startTestRedisServer();
    database = await createFaultSchema();
    env = {
      DATABASE_URL: database.urlVia(5432),
      REDIS_URL: redis.url,
      GATEHOUSE_SERVICE_TOKEN: SERVICE_TOKEN,
    };
    // One after the other: the first migrates and creates the signing key, the second finds them.
    instances.push(await startFaultServer(env));
    instances.push(await startFaultServer(env));
    proxy = await startRoundRobinProxy(instances.map((instance) => instance.url));
  });

  after(async () => {
    await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
    await proxy?.close();
    for (const instance of instances) await instance.close().catch(() => {});
    await database?.drop();
    await redis?.stop();
  });

  it('a session made on one instance is valid on the other, through the proxy and directly', async () => {
    const email = uniqueEmail('shared');
    assert.equal(
      (await timedRequest(proxy.url, 'POST', '/auth/register', { body: { email, password: PASSWORD } }))
        .status,
      202,
    );
    const tokens = await login(instances[0]!.url, email);
    const bearer = { authorization: `Bearer ${tokens.accessToken}` };
    for (const base of [instances[1]!.url, proxy.url, proxy.url, proxy.url]) {
      assert.equal((await timedRequest(base, 'GET', '/auth/me', { headers: bearer })).status, 200, base);
    }
    const refreshed = await timedRequest(instances[1]!.url, 'POST', '/auth/refresh', {
      body: { refreshToken: tokens.refreshToken },
    });
    assert.equal(refreshed.status, 200, 'a refresh token from one instance rotates on the other');
    assert.ok(
      proxy.hits.every((count) => count > 0),
      'the proxy used both instances',
    );
  });

  it('a logout on one instance reaches a verifier that follows the other', async () => {
    verifiers = await startVerifierServices([
      {
        name: 'follows instance B (sse)',
        feed: 'sse',
        authUrl: instances[1]!.url,
        issuer: ISSUER,
        audience: AUDIENCE,
        serviceToken: SERVICE_TOKEN,
        maxStalenessMs: 1500,
      },
    ]);
    const [verifier] = verifiers;
    const email = uniqueEmail('revoke');
    await timedRequest(proxy.url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
    const tokens = await login(instances[0]!.url, email);
    const credential = { kind: 'bearer' as const, accessToken: tokens.accessToken, sid: '', sub: '' };
    assert.equal((await verifier!.me(credential)).status, 200);
    const logout = await timedRequest(instances[0]!.url, 'POST', '/auth/logout', {
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    assert.equal(logout.status, 204);
    await waitFor('the verifier following B to refuse a token logged out on A', async () => {
      const reply = await verifier!.me(credential);
      assert.notEqual(reply.status, 503, 'never stale');
      return reply.status === 401 ? true : undefined;
    });
  });

  it('keys: a rotation by the CLI is used by both; after keys revoke returns, neither signs with that kid', async () => {
    const email = uniqueEmail('keys');
    await timedRequest(proxy.url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
    const before = kidOf((await login(instances[0]!.url, email)).accessToken);
    assert.equal(kidOf((await login(instances[1]!.url, email)).accessToken), before);

    await cli(['keys', 'rotate']);
    const rotated = kidOf((await login(instances[0]!.url, email)).accessToken);
    assert.notEqual(rotated, before, 'instance A signs with the rotated key at once');
    assert.equal(kidOf((await login(instances[1]!.url, email)).accessToken), rotated, 'so does instance B');

    const signedByRevoked = await login(instances[1]!.url, email);
    await cli(['keys', 'revoke', rotated]);
    // Both instances drop the kid (they follow the feed's key events), not only the verifiers.
    for (const [index, instance] of instances.entries()) {
      await waitFor(`instance ${index} to refuse a token of the revoked kid`, async () => {
        const me = await timedRequest(instance.url, 'GET', '/auth/me', {
          headers: { authorization: `Bearer ${signedByRevoked.accessToken}` },
        });
        return me.status === 401 ? true : undefined;
      });
    }
    for (const [index, instance] of instances.entries()) {
      const { accessToken } = await login(instance.url, email);
      assert.notEqual(kidOf(accessToken), rotated, `instance ${index} signed with a revoked kid`);
      // The new token is good on both instances (each knows the new key).
      for (const other of instances) {
        const me = await timedRequest(other.url, 'GET', '/auth/me', {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        assert.equal(me.status, 200);
      }
    }
  });

  it('throttling is shared: failed logins spread over both instances lock the account', async () => {
    const email = uniqueEmail('throttle');
    await timedRequest(proxy.url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) {
      const reply = await timedRequest(instances[attempt % 2]!.url, 'POST', '/auth/login', {
        body: { email, password: 'wrong but long enough', strategy: 'token' },
      });
      statuses.push(reply.status);
    }
    // Five free failures per account (the default policy), then a lock. Each instance saw at most
    // four of these eight: counted per instance, neither would ever have locked.
    const firstRefusal = statuses.indexOf(429);
    assert.ok(firstRefusal >= 5 && firstRefusal <= 7, `statuses: ${statuses.join(' ')}`);
  });
});
