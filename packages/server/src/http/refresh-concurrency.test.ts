import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GatehouseStore } from '@gatehouse/core';
import { createMemoryStore } from '@gatehouse/core/testing';
import { Cluster, Redis } from 'ioredis';
import { openPostgresStore } from '../store/postgres/postgres-store.ts';
import { createTestSchemaName, dropTestSchema, testDatabaseUrl } from '../store/postgres/test-database.ts';
import { openRedisStore } from '../store/redis/redis-store.ts';
import { clusterUnavailableReason, startTestCluster } from '../store/redis/test-cluster.ts';
import { createTestKeyPrefix, deleteKeysWithPrefix, testRedisUrl } from '../store/redis/test-redis.ts';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import {
  assertInvalidGrant,
  assertInvalidToken,
  bearer,
  createTestServer,
  MINUTE_MS,
  refreshWithBody,
  registerAndLoginWithTokens,
} from '../testing/index.ts';

const PARALLEL = 50;
const GRACE_MS = 10_000;

interface Backend {
  name: string;
  open(): Promise<{ store: GatehouseStore; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'memory',
    async open() {
      return { store: createMemoryStore(), cleanup: async () => {} };
    },
  },
  {
    name: 'SQLite (temp file)',
    async open() {
      const directory = await mkdtemp(join(tmpdir(), 'gatehouse-refresh-'));
      return {
        store: await openSqliteStore({ path: join(directory, 'gatehouse.db') }),
        cleanup: () => rm(directory, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'PostgreSQL (fresh schema)',
    async open() {
      const schema = createTestSchemaName();
      return {
        store: await openPostgresStore({ connectionString: testDatabaseUrl, schema, poolSize: 10 }),
        cleanup: () => dropTestSchema(schema),
      };
    },
  },
  {
    name: 'Redis (key prefix on the shared server)',
    async open() {
      const keyPrefix = createTestKeyPrefix();
      const client = new Redis(testRedisUrl);
      return {
        store: await openRedisStore({ client, keyPrefix }),
        async cleanup() {
          await deleteKeysWithPrefix(client, keyPrefix);
          client.disconnect();
        },
      };
    },
  },
  {
    name: 'Redis Cluster (3 masters of its own)',
    async open() {
      const unavailable = clusterUnavailableReason();
      if (unavailable) throw new Error(unavailable);
      const cluster = await startTestCluster(3);
      const client = new Cluster(cluster.nodes, { clusterRetryStrategy: () => null });
      await client.ping();
      return {
        store: await openRedisStore({ client, keyPrefix: createTestKeyPrefix() }),
        async cleanup() {
          client.disconnect();
          await cluster.stop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`refresh rotation over HTTP under concurrency: ${backend.name}`, () => {
    let opened: Awaited<ReturnType<Backend['open']>>;
    before(
      async () => {
        opened = await backend.open();
      },
      { timeout: 90_000 },
    );
    after(async () => {
      await opened.store.close();
      await opened.cleanup();
    });

    it(`gives ${PARALLEL} parallel refreshes of one token the same successor, then treats a late replay as theft`, async () => {
      const { app, clock, store } = createTestServer({ store: opened.store });
      const login = await registerAndLoginWithTokens(app, 'tabs@example.com', 'token');
      // Warm up: a pooled backend opens its connections now, so the refreshes below truly overlap.
      await Promise.all(
        Array.from({ length: PARALLEL }, () =>
          app.inject({ method: 'GET', url: '/auth/me', headers: bearer(login.accessToken) }),
        ),
      );
      clock.advance(MINUTE_MS);

      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, () => refreshWithBody(app, login.refreshToken)),
      );
      for (const response of responses) assert.equal(response.statusCode, 200, response.body);
      const bodies = responses.map((response) => response.json());
      const children = new Set(bodies.map((body) => body.refreshToken));
      assert.equal(children.size, 1, 'every racer got the same successor');
      const [child] = children as Set<string>;
      assert.notEqual(child, login.refreshToken);
      // Each racer still gets an access token of its own, and each one works.
      assert.equal(new Set(bodies.map((body) => body.accessToken)).size, PARALLEL);
      const me = await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(bodies[7].accessToken) });
      assert.equal(me.json().session.id, login.sessionId);
      assert.deepEqual(await store.audit.query({ type: 'refresh.reuse_detected', limit: 10 }), []);

      // Exactly one live child: it rotates once; its successor is the only live token after it.
      clock.advance(MINUTE_MS);
      const grandchild = await refreshWithBody(app, child!);
      assert.equal(grandchild.statusCode, 200);
      const { refreshToken: grandchildToken, accessToken } = grandchild.json();
      assert.deepEqual(await store.audit.query({ type: 'refresh.reuse_detected', limit: 10 }), []);

      // The original, replayed well after the grace window: theft. The whole login ends.
      clock.advance(GRACE_MS + 1);
      assertInvalidGrant(await refreshWithBody(app, login.refreshToken));
      const reuse = await store.audit.query({ type: 'refresh.reuse_detected', limit: 10 });
      assert.deepEqual(
        reuse.map((event) => event.sessionId),
        [login.sessionId],
      );
      assertInvalidToken(await app.inject({ method: 'GET', url: '/auth/me', headers: bearer(accessToken) }));
      assertInvalidGrant(await refreshWithBody(app, child!));
      assertInvalidGrant(await refreshWithBody(app, grandchildToken));
      assert.equal(await store.sessions.get(login.sessionId), null);
    });
  });
}
