import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GatehouseStore } from '@gatehouse/core';
import { makeEvent, makeRotation, makeSession, makeUser } from '@gatehouse/core/testing';
import { openPostgresStore } from '../postgres/postgres-store.ts';
import { createTestSchemaName, dropTestSchema, testDatabaseUrl } from '../postgres/test-database.ts';
import { openSqliteStore } from '../sqlite/sqlite-store.ts';

/**
 * On the SQL backends a write and its audit event are one unit (sql/write-with-inserts.ts): when the
 * audit row cannot be written, the write is undone too. The audit row is made to fail the only way
 * a caller can make it: an event id that is already taken (the primary key).
 */
const backends: [string, () => Promise<{ store: GatehouseStore; cleanup: () => Promise<void> }>][] = [
  [
    'sqlite',
    async () => {
      const directory = await mkdtemp(join(tmpdir(), 'gatehouse-audited-'));
      const store = await openSqliteStore({ path: join(directory, 'gatehouse.db') });
      return { store, cleanup: () => rm(directory, { recursive: true, force: true }) };
    },
  ],
  [
    'sqlite on its own thread',
    async () => {
      const directory = await mkdtemp(join(tmpdir(), 'gatehouse-audited-thread-'));
      const store = await openSqliteStore({ path: join(directory, 'gatehouse.db'), thread: true });
      return { store, cleanup: () => rm(directory, { recursive: true, force: true }) };
    },
  ],
  [
    'postgres',
    async () => {
      const schema = createTestSchemaName();
      const store = await openPostgresStore({ connectionString: testDatabaseUrl, schema, poolSize: 2 });
      return { store, cleanup: () => dropTestSchema(schema) };
    },
  ],
];

for (const [name, open] of backends) {
  describe(`a write and its audit event are one unit: ${name}`, () => {
    let store: GatehouseStore;
    let cleanup: () => Promise<void>;
    const taken = makeEvent({ type: 'earlier' });

    before(async () => {
      ({ store, cleanup } = await open());
      await store.audit.append(taken);
    });
    after(async () => {
      await store.close();
      await cleanup();
    });

    const clash = () => makeEvent({ id: taken.id, type: 'clash' });
    /** The audit row's primary key refused the event, in SQLite's words or PostgreSQL's. */
    const takenAuditId =
      /UNIQUE constraint failed: audit_events\.id|duplicate key value violates unique constraint "audit_events_pkey"/;
    const events = async () => (await store.audit.query({ limit: 10 })).map((event) => event.type);

    it('a user whose audit row fails is not created', async () => {
      const user = makeUser();
      await assert.rejects(store.users.create(user, clash()), takenAuditId);
      assert.equal(await store.users.getById(user.id), null);
      assert.equal(await store.users.getByEmail(user.email), null);
      // The email is still free: the rolled-back insert left nothing behind.
      assert.equal(await store.users.create(makeUser({ email: user.email }), makeEvent()), true);
    });

    it('a session whose audit row fails is not created', async () => {
      const user = makeUser();
      await store.users.create(user);
      const session = makeSession(user.id);
      await assert.rejects(store.sessions.create(session, clash()), takenAuditId);
      assert.equal(await store.sessions.get(session.id), null);
    });

    it('a session whose audit row fails leaves no refresh token either', async () => {
      const user = makeUser();
      await store.users.create(user);
      const session = makeSession(user.id, { strategy: 'token' });
      const hash = makeEvent().id;
      await assert.rejects(store.sessions.create(session, clash(), hash), takenAuditId);
      assert.equal(await store.sessions.get(session.id), null);
      assert.equal(await store.refreshTokens.sessionIdFor(hash), null);
    });

    it('a session whose revocation cannot be audited is not deleted', async () => {
      const user = makeUser();
      await store.users.create(user);
      const session = makeSession(user.id);
      await store.sessions.create(session);
      await assert.rejects(store.sessions.revoke(session.id, clash()), takenAuditId);
      assert.deepEqual(await store.sessions.get(session.id), session);
      // And with an event that can be written, the same call deletes it and audits it.
      const audited = makeEvent({ type: 'session.revoked', sessionId: session.id, at: Date.now() });
      assert.deepEqual(await store.sessions.revoke(session.id, audited), session);
      assert.equal(await store.sessions.get(session.id), null);
      assert.ok((await events()).includes('session.revoked'));
      assert.ok(!(await events()).includes('clash'));
    });

    it('a rotation whose audit row fails is undone: the token stays live, no successor, the session untouched', async () => {
      const user = makeUser();
      await store.users.create(user);
      const session = makeSession(user.id, { strategy: 'hybrid' });
      const hash = makeEvent().id;
      await store.sessions.create(session, undefined, hash);
      const now = session.createdAt + 60_000;
      const audit = { rotated: clash(), reused: makeEvent({ type: 'refresh.reuse_detected' }) };
      const failing = makeRotation(hash, now, { audit });
      await assert.rejects(store.refreshTokens.rotate(failing), takenAuditId);
      assert.deepEqual(await store.sessions.get(session.id), session, 'not touched');
      assert.equal(await store.refreshTokens.sessionIdFor(failing.successor.hash), null, 'no successor');
      // The token was not consumed: it rotates now, as the live member of its family.
      const audited = { ...audit, rotated: makeEvent({ type: 'refresh.rotated', at: now }) };
      const rotated = await store.refreshTokens.rotate(makeRotation(hash, now, { audit: audited }));
      assert.equal(rotated.outcome, 'rotated');
      assert.ok((await events()).includes('refresh.rotated'));
    });
  });
}
