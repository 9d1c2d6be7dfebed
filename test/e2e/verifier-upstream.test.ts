/**
 * What a verifier's cache misses cost the auth server, measured there: a real server (service
 * token, introspection on), a verifier in this process following its SSE feed and validating
 * session cookies through `createIntrospectionClient`. The server counts the `/oauth/introspect`
 * requests it gets, and the connections opened to it. A flood of fresh session cookies (well-formed, unknown) reaches it
 * at most `upstream.maxConcurrent` at a time, the ones past the queue are answered 503 without a
 * call, a page's parallel requests with one new cookie make one call, and a cached session is
 * answered throughout.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createSseFeedSource } from '@gatehouse/core';
import { createIntrospectionClient, createVerifier, SESSION_COOKIE, type Verifier } from '@gatehouse/verify';
import {
  AUDIENCE,
  type AuthServer,
  ISSUER,
  startAuthServer,
  uniqueEmail,
} from './support/gatehouse-stack.ts';

const MAX_CONCURRENT = 4;
const MAX_QUEUED = 100;
const FLOOD = 1000;

const cookieRequest = (value: string) => ({ headers: { cookie: `${SESSION_COOKIE}=${value}` } });
const randomSessionToken = () =>
  `${randomBytes(16).toString('base64url')}.${randomBytes(32).toString('base64url')}`;

describe('a verifier’s calls to the auth server are bounded and shared', { timeout: 60_000 }, () => {
  let auth: AuthServer;
  let verifier: Verifier;
  const introspections = { total: 0, connections: 0 };

  before(async () => {
    auth = await startAuthServer();
    auth.server.app.server.on('request', (request: IncomingMessage) => {
      if (request.url?.startsWith('/oauth/introspect')) introspections.total++;
    });
    // Each request the verifier has in flight at once needs a connection of its own.
    auth.server.app.server.on('connection', () => introspections.connections++);
    const client = createIntrospectionClient({
      url: `${auth.server.url}/oauth/introspect`,
      serviceToken: auth.serviceToken,
    });
    verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['ES256'],
      jwksUrl: `${auth.server.url}/.well-known/jwks.json`,
      feed: createSseFeedSource({
        baseUrl: auth.server.url,
        headers: { authorization: `Bearer ${auth.serviceToken}` },
      }),
      validateSession: client.validateSession,
      upstream: { maxConcurrent: MAX_CONCURRENT, maxQueued: MAX_QUEUED },
    });
    await verifier.start();
  });
  after(async () => {
    await verifier?.stop();
    await auth?.close();
  });

  const reset = () => Object.assign(introspections, { total: 0, connections: 0 });

  it(`a flood of ${FLOOD} fresh session cookies: at most ${MAX_CONCURRENT} calls at once, the rest past the queue 503 at once; a cached session answered throughout`, async () => {
    const email = uniqueEmail('cached');
    await auth.client.register(email);
    const cached = await auth.client.loginWithSession(email);
    assert.equal((await verifier.verifyRequest(cookieRequest(cached.cookie))).ok, true, 'cached now');
    reset();

    const flood = Array.from({ length: FLOOD }, () =>
      verifier.verifyRequest(cookieRequest(randomSessionToken())),
    );
    const during = await verifier.verifyRequest(cookieRequest(cached.cookie));
    const results = await Promise.all(flood);

    assert.equal(during.ok, true, 'the cached session is answered from the cache, not queued');
    const statuses = new Map<number, number>();
    for (const result of results) {
      assert.equal(result.ok, false);
      if (!result.ok) statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    }
    // Never more than the bound at once, so about as many connections (the client may replace one
    // as it goes, 5 seen for 4); unbounded, one per cookie.
    assert.ok(
      introspections.connections <= 2 * MAX_CONCURRENT,
      `${introspections.connections} connections opened to the auth server`,
    );
    assert.equal(introspections.total, MAX_CONCURRENT + MAX_QUEUED, 'one call per cookie let in');
    assert.deepEqual(Object.fromEntries(statuses), {
      401: MAX_CONCURRENT + MAX_QUEUED,
      503: FLOOD - MAX_CONCURRENT - MAX_QUEUED,
    });
  });

  it('a page’s 20 parallel requests with one new session cookie make one call, and it is cached after', async () => {
    const email = uniqueEmail('parallel');
    await auth.client.register(email);
    const fresh = await auth.client.loginWithSession(email);
    reset();

    const results = await Promise.all(
      Array.from({ length: 20 }, () => verifier.verifyRequest(cookieRequest(fresh.cookie))),
    );

    assert.ok(results.every((result) => result.ok && result.principal.sid === fresh.sid));
    assert.equal(introspections.total, 1);
    assert.equal((await verifier.verifyRequest(cookieRequest(fresh.cookie))).ok, true);
    assert.equal(introspections.total, 1, 'answered from the cache');
  });
});
