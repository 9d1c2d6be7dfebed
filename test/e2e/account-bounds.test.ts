/**
 * What one account can make the server store, bounded, on a real server over each store it ships
 * (SQLite, PostgreSQL, Redis; the throttles count in memory, in PostgreSQL and in Redis
 * accordingly), with a verifier service following its feed in a child process:
 * - GATEHOUSE_MAX_SESSIONS_PER_USER: a login past the limit ends the user's least recently used
 *   session everywhere (the server answers 401 for it, the verifier refuses its access token once
 *   the revocation arrives), lists only the sessions left, and touches no other session;
 * - the default refresh limit (60 rotations a session a minute): a client refreshing in a loop is
 *   refused with 429 at the 61st, while the user's other session refreshes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { createTestClient, fetchTransport } from '@gatehouse/server/testing/client';
import { createFaultSchema, KEK, KEY } from '../faults/support.ts';
import {
  type AuthServer,
  startAuthServer,
  startVerifierServices,
  uniqueEmail,
} from './support/gatehouse-stack.ts';
import type { VerifierService } from './support/verifier-service.ts';
import { waitFor } from './support/wait-for.ts';

const LIMIT = 3;
/** defaultThrottlePolicy.refreshSession: rotations of one session in a minute. */
const ROTATIONS_PER_MINUTE = 60;

interface Backend {
  env: Record<string, string>;
  close(): Promise<void>;
}

const backends: Record<string, () => Promise<Backend>> = {
  SQLite: async () => ({ env: {}, close: async () => {} }),
  PostgreSQL: async () => {
    const database = await createFaultSchema();
    return { env: { DATABASE_URL: database.urlVia(5432) }, close: database.drop };
  },
  Redis: async () => {
    const redis: TestRedisServer = await startTestRedisServer();
    return { env: { GATEHOUSE_STORE: 'redis', REDIS_URL: redis.url }, close: () => redis.stop() };
  },
};

for (const [name, open] of Object.entries(backends)) {
  describe(`one account's sessions and refreshes are bounded, ${name} store`, { timeout: 60_000 }, () => {
    let backend: Backend;
    let auth: AuthServer;
    let verifier: VerifierService;

    before(async () => {
      backend = await open();
      auth = await startAuthServer({
        env: {
          ...backend.env,
          GATEHOUSE_CSRF_SECRET: KEY,
          GATEHOUSE_KEY_ENCRYPTION_KEY: KEK,
          GATEHOUSE_MAX_SESSIONS_PER_USER: String(LIMIT),
        },
      });
      const started = await startVerifierServices([
        { ...auth.verifierOptions, name: `verifier-${name}`, feed: 'sse' },
      ]);
      verifier = started[0]!;
    });
    after(async () => {
      await verifier?.stop();
      await auth?.close();
      await backend?.close();
    });

    it('a login past the limit ends the least recently used session at the server and at the verifier, and no other', async () => {
      const email = uniqueEmail('limit');
      await auth.client.register(email);
      const bystanderEmail = uniqueEmail('bystander');
      await auth.client.register(bystanderEmail);
      const bystander = await auth.client.loginWithSession(bystanderEmail);
      const oldest = await auth.client.loginWithToken(email);
      assert.equal((await verifier.me(oldest)).status, 200, 'the verifier accepts (and caches) the token');
      const kept = [await auth.client.loginWithSession(email), await auth.client.loginWithSession(email)];
      assert.equal((await auth.client.me(oldest)).status, 200, 'at the limit, every session lives');

      const newest = await auth.client.loginWithSession(email);

      assert.deepEqual(
        (await auth.client.sessionIds(newest)).sort(),
        [...kept, newest].map((login) => login.sid).sort(),
      );
      assert.equal((await auth.client.me(oldest)).status, 401, 'the server refuses the ended session');
      const refused = await waitFor('the verifier refuses the ended session', async () => {
        const reply = await verifier.me(oldest);
        return reply.status === 401 ? reply : undefined;
      });
      assert.equal(refused.code, 'ERR_TOKEN_REVOKED');
      for (const login of [...kept, newest, bystander])
        assert.equal((await auth.client.me(login)).status, 200, `session ${login.sid} still lives`);
      assert.equal((await verifier.me(kept[0]!)).status, 200);
    });

    it('a session refreshing in a loop is refused at the 61st rotation of the minute, and no other session is', async () => {
      const client = createTestClient(fetchTransport(auth.server.url));
      const email = uniqueEmail('loop');
      await auth.client.register(email);
      const looping = (await client.login(email, 'token')).login;
      const other = (await client.login(email, 'token')).login;
      const rotate = async (token: string) => {
        const answer = await client.refreshWithBody(token);
        assert.equal(answer.status, 200, answer.body);
        return (JSON.parse(answer.body) as { refreshToken: string }).refreshToken;
      };
      let token = looping.refreshToken;
      for (let index = 0; index < ROTATIONS_PER_MINUTE; index++) token = await rotate(token);

      const refused = await client.refreshWithBody(token);

      assert.equal(refused.status, 429, refused.body);
      assert.deepEqual(JSON.parse(refused.body), { error: 'too_many_attempts' });
      const retryAfter = Number(refused.raw.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      await rotate(other.refreshToken);
    });
  });
}
