/**
 * Ending sessions fails safe (docs/design.md, "Durable first"): the revocation is published
 * before the session rows are deleted. Over the real SQLite store (in memory), a failure of the
 * delete leaves the session revoked at verifiers (in the feed's snapshot) though still present,
 * and the retried logout completes; a failure of the publish leaves the session and everything
 * else as it was (no session deleted without its revocation), and the call is refused.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { AuditEvent, GatehouseStore, RevocationPublisher } from '@gatehouse/core';
import type { FastifyInstance } from 'fastify';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { bearer, createTestServer, refreshWithBody, registerAndLoginWithTokens } from '../testing/index.ts';

type Failing = { sessionDeletes: number; publishes: number };

/** A test server over SQLite whose session deletes and revocation publishes fail while counted. */
async function failingServer(failing: Failing) {
  const store = await openSqliteStore({ path: ':memory:' });
  const wrapStore = (inner: GatehouseStore): GatehouseStore => {
    const fail = async () => {
      if (failing.sessionDeletes <= 0) return false;
      failing.sessionDeletes--;
      throw new Error('session delete failed');
    };
    const sessions = {
      ...inner.sessions,
      revoke: async (id: string, audit?: AuditEvent, userId?: string) =>
        (await fail()) || inner.sessions.revoke(id, audit, userId),
      revokeAllForUser: async (userId: string, exceptId?: string) =>
        (await fail()) || inner.sessions.revokeAllForUser(userId, exceptId),
    } as GatehouseStore['sessions'];
    return Object.assign(Object.create(inner), { sessions }) as GatehouseStore;
  };
  const wrapRevocations = (feed: RevocationPublisher): RevocationPublisher => ({
    async publish(events) {
      if (failing.publishes > 0) {
        failing.publishes--;
        throw new Error('revocation publish failed');
      }
      await feed.publish(events);
    },
  });
  return { ...createTestServer({ store, wrapStore, wrapRevocations }), sqlite: store };
}

async function revokedSids(app: FastifyInstance): Promise<string[]> {
  const snapshot = await app.inject({ method: 'GET', url: '/revocations' });
  assert.equal(snapshot.statusCode, 200);
  const body = snapshot.json() as { events: { type: string; sid?: string; sub: string }[] };
  return body.events.flatMap((event) => (event.type === 'session' ? [event.sid as string] : []));
}

async function revokedUsers(app: FastifyInstance): Promise<string[]> {
  const snapshot = await app.inject({ method: 'GET', url: '/revocations' });
  const body = snapshot.json() as { events: { type: string; sub: string }[] };
  return body.events.flatMap((event) => (event.type === 'user' ? [event.sub] : []));
}

const post = (app: FastifyInstance, url: string, token: string) =>
  app.inject({ method: 'POST', url, headers: bearer(token) });

describe('ending sessions fails safe: revocation published before the session is deleted', () => {
  const closing: GatehouseStore[] = [];
  afterEach(async () => {
    for (const store of closing.splice(0)) await store.close?.();
  });

  it('logout: a failed delete leaves the session revoked; the retried logout answers 204', async () => {
    const failing = { sessionDeletes: 1, publishes: 0 };
    const { app, sqlite } = await failingServer(failing);
    closing.push(sqlite);
    const login = await registerAndLoginWithTokens(app, 'delete-fails@example.com', 'token');

    const failed = await post(app, '/auth/logout', login.accessToken);
    assert.equal(failed.statusCode, 500);
    assert.ok(await sqlite.sessions.get(login.sessionId), 'the session is still there');
    assert.deepEqual(await revokedSids(app), [login.sessionId], 'and revoked at every verifier');

    const retried = await post(app, '/auth/logout', login.accessToken);
    assert.equal(retried.statusCode, 204);
    assert.equal(await sqlite.sessions.get(login.sessionId), null);
    assert.equal((await refreshWithBody(app, login.refreshToken)).statusCode, 400);
    const audited = await sqlite.audit.query({ type: 'session.revoked', limit: 10 });
    assert.deepEqual(
      audited.map((event) => event.sessionId),
      [login.sessionId],
    );
  });

  it('logout: a failed publish refuses the call and deletes nothing; the retry completes', async () => {
    const failing = { sessionDeletes: 0, publishes: 1 };
    const { app, sqlite } = await failingServer(failing);
    closing.push(sqlite);
    const login = await registerAndLoginWithTokens(app, 'publish-fails@example.com', 'token');

    const failed = await post(app, '/auth/logout', login.accessToken);
    assert.equal(failed.statusCode, 500);
    assert.ok(await sqlite.sessions.get(login.sessionId), 'no session deleted without its revocation');
    assert.deepEqual(await revokedSids(app), []);
    assert.equal((await sqlite.audit.query({ type: 'session.revoked', limit: 10 })).length, 0);

    assert.equal((await post(app, '/auth/logout', login.accessToken)).statusCode, 204);
    assert.equal(await sqlite.sessions.get(login.sessionId), null);
    assert.deepEqual(await revokedSids(app), [login.sessionId]);
  });

  it('logout-all: a failed delete leaves the user revoked; a failed publish leaves every session', async () => {
    const failing = { sessionDeletes: 0, publishes: 1 };
    const { app, sqlite } = await failingServer(failing);
    closing.push(sqlite);
    const first = await registerAndLoginWithTokens(app, 'all@example.com', 'token');

    assert.equal((await post(app, '/auth/logout-all', first.accessToken)).statusCode, 500);
    assert.ok(await sqlite.sessions.get(first.sessionId), 'nothing deleted without its revocation');
    assert.deepEqual(await revokedUsers(app), []);

    failing.sessionDeletes = 1;
    assert.equal((await post(app, '/auth/logout-all', first.accessToken)).statusCode, 500);
    assert.ok(await sqlite.sessions.get(first.sessionId));
    assert.deepEqual(await revokedUsers(app), [first.userId], 'revoked before the delete failed');

    assert.equal((await post(app, '/auth/logout-all', first.accessToken)).statusCode, 204);
    assert.equal(await sqlite.sessions.get(first.sessionId), null);
    assert.equal((await sqlite.audit.query({ type: 'session.revoked', limit: 10 })).length, 1);
  });
});
