/**
 * Issue 10, points 3 and 4: PostgreSQL refusing connections (`reset`) or blackholed (`blackhole`,
 * a partition: connections stay open and silent) behind a TCP proxy this test controls. Login,
 * refresh, me and register answer 503 `temporarily_unavailable` with Retry-After within 5 s,
 * /readyz 503 within 1 s, bad input stays 400, nothing is spent, and everything works again
 * within 2 s of the restore, without a restart.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { uniqueEmail } from '../e2e/support/gatehouse-stack.ts';
import { type CutMode, startTcpProxy, type TcpProxy } from '../e2e/support/tcp-proxy.ts';
import { waitFor } from '../e2e/support/wait-for.ts';
import { createFaultSchema, type FaultServer, PASSWORD, startFaultServer, timedRequest } from './support.ts';

const OUTAGE_ANSWER_MS = 5_000;
const READY_ANSWER_MS = 1_000;
const RECOVERY_MS = 2_000;

describe('faults: PostgreSQL refused or blackholed', { timeout: 120_000 }, () => {
  let proxy: TcpProxy;
  let database: Awaited<ReturnType<typeof createFaultSchema>>;
  let auth: FaultServer;

  before(async () => {
    database = await createFaultSchema();
    proxy = await startTcpProxy(5432);
    auth = await startFaultServer({ DATABASE_URL: database.urlVia(proxy.port) });
  });

  after(async () => {
    proxy?.restore();
    await auth?.close();
    await proxy?.close();
    await database?.drop();
  });

  for (const mode of ['reset', 'blackhole'] as CutMode[]) {
    it(`${mode}: 503 with Retry-After within 5 s, /readyz 503 within 1 s, then success within 2 s of the restore`, async (t) => {
      const email = uniqueEmail(mode);
      assert.equal(
        (await timedRequest(auth.url, 'POST', '/auth/register', { body: { email, password: PASSWORD } }))
          .status,
        202,
      );
      const login = await timedRequest(auth.url, 'POST', '/auth/login', {
        body: { email, password: PASSWORD, strategy: 'token' },
      });
      assert.equal(login.status, 200);
      const { accessToken, refreshToken } = login.body as { accessToken: string; refreshToken: string };
      const bearer = { authorization: `Bearer ${accessToken}` };

      t.after(() => proxy.restore());
      proxy.cut(mode);
      const cutAt = performance.now();
      const requests = {
        login: () =>
          timedRequest(auth.url, 'POST', '/auth/login', {
            body: { email, password: PASSWORD, strategy: 'token' },
          }),
        refresh: () => timedRequest(auth.url, 'POST', '/auth/refresh', { body: { refreshToken } }),
        me: () => timedRequest(auth.url, 'GET', '/auth/me', { headers: bearer }),
        register: () =>
          timedRequest(auth.url, 'POST', '/auth/register', {
            body: { email: uniqueEmail('new'), password: PASSWORD },
          }),
      };
      const [outcomes, ready, badInput] = await Promise.all([
        Promise.all(Object.entries(requests).map(async ([name, send]) => [name, await send()] as const)),
        timedRequest(auth.url, 'GET', '/readyz'),
        fetch(`${auth.url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"email":',
          signal: AbortSignal.timeout(10_000),
        }),
      ]);
      for (const [name, reply] of outcomes) {
        t.diagnostic(`${mode} ${name}: ${reply.status} in ${reply.ms.toFixed(0)} ms`);
        assert.equal(reply.status, 503, `${name} while ${mode}`);
        assert.deepEqual(reply.body, { error: 'temporarily_unavailable' }, `${name} body`);
        assert.ok(Number(reply.retryAfter) >= 1, `${name} has Retry-After`);
        assert.ok(
          reply.ms <= OUTAGE_ANSWER_MS,
          `${name} answered in ${reply.ms.toFixed(0)} ms (bound ${OUTAGE_ANSWER_MS})`,
        );
      }
      t.diagnostic(`${mode} readyz: ${ready.status} in ${ready.ms.toFixed(0)} ms`);
      assert.equal(ready.status, 503);
      assert.ok(ready.ms <= READY_ANSWER_MS, `/readyz answered in ${ready.ms.toFixed(0)} ms`);
      assert.equal(badInput.status, 400, 'bad input stays a 400 during the outage');
      // A partition that outlasts the pool's idle timeout, as a real one would.
      await sleep(Math.max(0, 6_000 - (performance.now() - cutAt)));

      proxy.restore();
      const restoredAt = performance.now();
      const back = await waitFor(
        'a login to succeed after the restore',
        async () => {
          const reply = await requests.login();
          return reply.status === 200 ? reply : undefined;
        },
        { intervalMs: 50, timeoutMs: 15_000 },
      );
      const recoveredMs = performance.now() - restoredAt;
      t.diagnostic(`${mode}: login 200 again ${recoveredMs.toFixed(0)} ms after the restore`);
      assert.ok(
        recoveredMs <= RECOVERY_MS,
        `recovered in ${recoveredMs.toFixed(0)} ms (bound ${RECOVERY_MS})`,
      );
      assert.ok(back);
      // Nothing was spent during the outage: the refresh token still rotates, the access token still works.
      assert.equal((await requests.refresh()).status, 200, 'the refresh token survived the outage');
      assert.equal((await requests.me()).status, 200);
      assert.equal((await timedRequest(auth.url, 'GET', '/readyz')).status, 200);
    });
  }
});
