/**
 * What validating a session cookie costs in store calls, on every backend we ship: one session
 * read and one user read (plus the touch, once per touch interval), never a second read of the
 * session. The store is the real one, wrapped only to record which methods were called.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Auth,
  createAuth,
  defaultSessionPolicy,
  type GatehouseStore,
  UnauthenticatedError,
} from '@gatehouse/core';
import {
  createFastHasher,
  createManualClock,
  createMemoryStore,
  type ManualClock,
} from '@gatehouse/core/testing';
import { Redis } from 'ioredis';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { createTestSchemaName, dropTestSchema, testDatabaseUrl } from './postgres/test-database.ts';
import { openRedisStore } from './redis/redis-store.ts';
import { createTestKeyPrefix, deleteKeysWithPrefix, testRedisUrl } from './redis/test-redis.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

const SUB_STORES = ['users', 'sessions', 'refreshTokens', 'keys', 'audit', 'resetTokens'] as const;

/** The same store, every sub-store method call appended to `calls` as `sessions.get` and the like. */
function recording(store: GatehouseStore, calls: string[]): GatehouseStore {
  const wrapped = { ...store } as GatehouseStore;
  for (const name of SUB_STORES) {
    const inner = store[name] as unknown as Record<string, unknown>;
    (wrapped as unknown as Record<string, unknown>)[name] = new Proxy(inner, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(`${name}.${String(property)}`);
          return value.apply(target, args);
        };
      },
    });
  }
  return wrapped;
}

interface Backend {
  name: string;
  open(): Promise<{ store: GatehouseStore; cleanup?: () => Promise<void> }>;
}

const backends: Backend[] = [
  { name: 'memory', open: async () => ({ store: createMemoryStore() }) },
  {
    name: 'sqlite',
    async open() {
      const directory = await mkdtemp(join(tmpdir(), 'gatehouse-sqlite-'));
      return {
        store: await openSqliteStore({ path: join(directory, 'gatehouse.db') }),
        cleanup: () => rm(directory, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = createTestSchemaName();
      return {
        store: await openPostgresStore({ connectionString: testDatabaseUrl, schema, poolSize: 2 }),
        cleanup: () => dropTestSchema(schema),
      };
    },
  },
  {
    name: 'redis',
    async open() {
      const keyPrefix = createTestKeyPrefix();
      return {
        store: await openRedisStore({ url: testRedisUrl, keyPrefix }),
        cleanup: async () => {
          const client = new Redis(testRedisUrl);
          try {
            await deleteKeysWithPrefix(client, keyPrefix);
          } finally {
            await client.quit();
          }
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`session validation store calls: ${backend.name}`, () => {
    let store: GatehouseStore;
    let cleanup: (() => Promise<void>) | undefined;
    let auth: Auth;
    let clock: ManualClock;
    const calls: string[] = [];

    before(async () => {
      ({ store, cleanup } = await backend.open());
      clock = createManualClock(Date.now());
      auth = createAuth({ store: recording(store, calls), hasher: createFastHasher(), clock });
    });
    after(async () => {
      await store?.close();
      await cleanup?.();
    });

    async function signedIn() {
      const email = `reads-${Math.random().toString(36).slice(2)}@example.com`;
      await auth.register({ email, password: 'a long enough passphrase' });
      return auth.login({ email, password: 'a long enough passphrase' });
    }

    async function callsOf(operation: () => Promise<unknown>): Promise<string[]> {
      calls.length = 0;
      await operation();
      return [...calls];
    }

    it('a live session cookie: one session read, one user read', async () => {
      const { sessionToken, user } = await signedIn();
      let validated: Awaited<ReturnType<Auth['validateSessionToken']>> | undefined;
      const made = await callsOf(async () => {
        validated = await auth.validateSessionToken(sessionToken);
      });
      assert.deepEqual(made, ['sessions.get', 'users.getById']);
      assert.equal(validated?.user.id, user.id);
    });

    it('once the touch interval has passed: the same two reads and the touch', async () => {
      const { sessionToken } = await signedIn();
      clock.advance(defaultSessionPolicy.touchIntervalMs);
      const made = await callsOf(() => auth.validateSessionToken(sessionToken));
      assert.deepEqual(made, ['sessions.get', 'users.getById', 'sessions.touch']);
      // The touch was written: the next validation inside the interval reads only.
      clock.advance(1000);
      assert.deepEqual(await callsOf(() => auth.validateSessionToken(sessionToken)), [
        'sessions.get',
        'users.getById',
      ]);
    });

    it('a wrong secret: one session read, then the refusal', async () => {
      const { sessionToken } = await signedIn();
      const [id] = sessionToken.split('.');
      const forged = `${id}.${'A'.repeat(43)}`;
      const made = await callsOf(() =>
        assert.rejects(auth.validateSessionToken(forged), UnauthenticatedError),
      );
      assert.deepEqual(made, ['sessions.get']);
    });

    it('an access token’s session (getLiveSession): one session read, one user read', async () => {
      const { session } = await signedIn();
      assert.deepEqual(await callsOf(() => auth.getLiveSession(session.id)), [
        'sessions.get',
        'users.getById',
      ]);
    });
  });
}
