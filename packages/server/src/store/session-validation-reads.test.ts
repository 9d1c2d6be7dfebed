/**
 * What validating a session cookie costs in store calls, on every backend we ship: one read of the
 * session with its user (`sessions.getWithUser`; plus the touch, once per touch interval), never a
 * second read of the session; on a store without that read, one session read and one user read.
 * The store is the real one, wrapped only to record which methods were called.
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
  /** The reads of one validation: both in one call, or the session and then its user. */
  reads?: string[];
  open(): Promise<{ store: GatehouseStore; cleanup?: () => Promise<void> }>;
}

const JOINED = ['sessions.getWithUser'];

const backends: Backend[] = [
  { name: 'memory', open: async () => ({ store: createMemoryStore() }) },
  {
    name: 'a store without getWithUser',
    reads: ['sessions.get', 'users.getById'],
    async open() {
      const store = createMemoryStore();
      const { getWithUser: _joined, ...sessions } = store.sessions;
      return { store: { ...store, sessions } };
    },
  },
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
    const reads = backend.reads ?? JOINED;

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

    it('a live session cookie: the session and its user read once', async () => {
      const { sessionToken, user } = await signedIn();
      let validated: Awaited<ReturnType<Auth['validateSessionToken']>> | undefined;
      const made = await callsOf(async () => {
        validated = await auth.validateSessionToken(sessionToken);
      });
      assert.deepEqual(made, reads);
      assert.deepEqual(validated?.user, await store.users.getById(user.id));
    });

    it('a suspended user: the same reads, then the refusal', async () => {
      const { sessionToken, user } = await signedIn();
      await store.users.update(user.id, { status: 'suspended', updatedAt: clock.now() });
      const made = await callsOf(() =>
        assert.rejects(auth.validateSessionToken(sessionToken), UnauthenticatedError),
      );
      assert.deepEqual(made, reads);
    });

    it('once the touch interval has passed: the same reads and the touch', async () => {
      const { sessionToken } = await signedIn();
      clock.advance(defaultSessionPolicy.touchIntervalMs);
      const made = await callsOf(() => auth.validateSessionToken(sessionToken));
      assert.deepEqual(made, [...reads, 'sessions.touch']);
      // The touch was written: the next validation inside the interval reads only.
      clock.advance(1000);
      assert.deepEqual(await callsOf(() => auth.validateSessionToken(sessionToken)), reads);
    });

    it('a wrong secret: the first read, then the refusal', async () => {
      const { sessionToken } = await signedIn();
      const [id] = sessionToken.split('.');
      const forged = `${id}.${'A'.repeat(43)}`;
      const made = await callsOf(() =>
        assert.rejects(auth.validateSessionToken(forged), UnauthenticatedError),
      );
      assert.deepEqual(made, reads.slice(0, 1));
    });

    it('an access token’s session (getLiveSession): the same reads', async () => {
      const { session, user } = await signedIn();
      let live: Awaited<ReturnType<Auth['getLiveSession']>> | undefined;
      assert.deepEqual(
        await callsOf(async () => {
          live = await auth.getLiveSession(session.id);
        }),
        reads,
      );
      assert.equal(live?.user.id, user.id);
      assert.equal(live?.session.id, session.id);
    });
  });
}
