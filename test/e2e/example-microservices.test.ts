/**
 * examples/microservices, run as a user runs it: its start script in a child process (free ports),
 * then the README's walk-through with fetch, over the SSE feed and over Redis Streams (a Redis of
 * this test's own). Stopping it with SIGINT (Ctrl-C) must stop all three processes and remove its
 * data; killing the start script outright must make its children stop by themselves.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import { createAuthClient, credentialHeaders, type Credential } from './support/auth-client.ts';
import { type NodeProcess, spawnNode } from './support/node-process.ts';
import { uniqueEmail } from './support/gatehouse-stack.ts';
import { waitFor } from './support/wait-for.ts';

const START_SCRIPT = fileURLToPath(new URL('../../examples/microservices/start.ts', import.meta.url));
const LABELS = { auth: 'auth server', orders: 'orders, Express', billing: 'billing, Hono' } as const;
const STARTUP_MS = 20_000;

interface RunningExample {
  process: NodeProcess;
  urls: Record<keyof typeof LABELS, string>;
  /** The auth server's and both services' process ids. */
  childPids: number[];
  dataDir: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const started: RunningExample[] = [];

/** Runs the start script on free ports; resolves once it has printed where everything listens. */
async function startExample(env: Record<string, string> = {}): Promise<RunningExample> {
  const example = spawnNode('examples/microservices/start.ts', START_SCRIPT, {
    AUTH_PORT: '0',
    ORDERS_PORT: '0',
    BILLING_PORT: '0',
    ...env,
  });
  const entries = await Promise.all(
    Object.entries(LABELS).map(async ([name, label]) => {
      const pattern = new RegExp(`^ {2}${label}\\s+(http://127\\.0\\.0\\.1:\\d+)\\s+\\(pid (\\d+)\\)$`);
      const found = await example.waitForLine((line) => {
        const match = pattern.exec(line);
        return match ? { url: match[1]!, pid: Number(match[2]) } : undefined;
      }, STARTUP_MS);
      return [name, found] as const;
    }),
  );
  const dataDir = await example.waitForLine((line) => /^Data: (\S+) /.exec(line)?.[1]);
  const running: RunningExample = {
    process: example,
    urls: Object.fromEntries(entries.map(([name, { url }]) => [name, url])) as RunningExample['urls'],
    childPids: entries.map(([, { pid }]) => pid),
    dataDir,
  };
  started.push(running);
  return running;
}

/** Waits (bounded) until none of the example's processes is alive. */
function waitForChildrenGone(example: RunningExample, why: string) {
  return waitFor(`the example's processes to exit ${why}`, async () =>
    example.childPids.some(isAlive) ? undefined : true,
  );
}

async function callService(url: string, credential: Credential) {
  const response = await fetch(url, {
    headers: credentialHeaders(credential),
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('examples/microservices', { timeout: 60_000 }, () => {
  let redis: TestRedisServer | undefined;

  after(async () => {
    // Whatever a failed test left behind: the start script, its children, its data.
    for (const example of started) {
      await example.process.stop('SIGKILL');
      for (const pid of example.childPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await rm(example.dataDir, { recursive: true, force: true });
    }
    await redis?.stop();
  });

  for (const feed of ['sse', 'redis'] as const) {
    it(`README walk-through over ${feed}: both services refuse a logged-out token; Ctrl-C stops everything`, async (t) => {
      if (feed === 'redis') redis = await startTestRedisServer();
      const example = await startExample(redis && feed === 'redis' ? { REDIS_URL: redis.url } : {});
      const expectedFeed = feed === 'redis' ? 'Redis Streams' : 'SSE';
      assert.ok(
        example.process.lines.some((line) => line.includes(`revocation feed: ${expectedFeed}`)),
        `started with the ${feed} feed`,
      );
      const orders = `${example.urls.orders}/orders`;
      const invoices = `${example.urls.billing}/invoices`;

      // 1. Register and log in with the token strategy.
      const auth = createAuthClient(example.urls.auth);
      const email = uniqueEmail('ada');
      await auth.register(email);
      const token = await auth.loginWithToken(email);

      // 2. Both services accept the token.
      const fromOrders = await callService(orders, token);
      assert.equal(fromOrders.status, 200);
      assert.deepEqual([fromOrders.body.service, fromOrders.body.user], ['orders', token.sub]);
      const fromBilling = await callService(invoices, token);
      assert.equal(fromBilling.status, 200);
      assert.deepEqual([fromBilling.body.service, fromBilling.body.user], ['billing', token.sub]);

      // 3. Log out, 4. both services refuse the still-unexpired token.
      const loggedOutAt = performance.now();
      await auth.logout(token);
      for (const url of [orders, invoices]) {
        const refused = await waitFor(`${url} to refuse the logged-out token`, async () => {
          const reply = await callService(url, token);
          return reply.status === 200 ? undefined : reply;
        });
        assert.deepEqual(refused, { status: 401, body: { error: 'invalid_token' } });
      }
      t.diagnostic(
        `both services refused ${(performance.now() - loggedOutAt).toFixed(0)} ms after the logout was sent`,
      );

      // Ctrl-C: the start script stops its children, removes its data and exits cleanly.
      example.process.child.kill('SIGINT');
      await waitFor('the start script to exit after SIGINT', async () =>
        example.process.child.exitCode === null ? undefined : true,
      );
      assert.equal(example.process.child.exitCode, 0, example.process.output());
      await waitForChildrenGone(example, 'after SIGINT');
      assert.equal(existsSync(example.dataDir), false, 'the data directory is removed');
      await assert.rejects(fetch(orders, { signal: AbortSignal.timeout(2000) }), 'nothing listens any more');
    });
  }

  it('when the start script is killed outright, its children stop by themselves', async () => {
    const example = await startExample();
    example.process.child.kill('SIGKILL');
    await example.process.exited;
    await waitForChildrenGone(example, 'after their parent was killed');
  });
});
