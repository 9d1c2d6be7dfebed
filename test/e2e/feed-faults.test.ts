/**
 * The staleness bound under real faults (docs/design.md §6): verifier processes follow Redis Streams
 * through TCP proxies this test controls, the auth server reaches the same Redis through a proxy
 * of its own, and the Redis is this test's own redis-server, so it can be killed and restarted.
 *
 * (a) a verifier cut off from Redis fails closed within maxStalenessMs, then resumes from its
 *     cursor and refuses what was revoked while it could not hear;
 * (b) with `onStale: 'introspect'` the auth server decides every request while the feed is cut;
 * (c) Redis itself dies and comes back empty: every verifier fails closed, notices that its cursor
 *     no longer exists, takes a new snapshot and refuses what is revoked after the restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';
import type { Credential } from './support/auth-client.ts';
import {
  type AuthServer,
  startAuthServer,
  startVerifierServices,
  uniqueEmail,
} from './support/gatehouse-stack.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';
import type { ServiceReply, VerifierService } from './support/verifier-service.ts';
import { waitFor } from './support/wait-for.ts';

/** Low, so the faults show within the test's time budget; heartbeats come every 1000 ms. */
const MAX_STALENESS_MS = 1500;
const POLL_INTERVAL_MS = 100;
const NEVER_AGAIN_POLLS = 50;

const redisUrlFor = (proxy: TcpProxy) => `redis://127.0.0.1:${proxy.port}`;

function assertReply(reply: ServiceReply, status: number, code: string | undefined, what: string): void {
  assert.deepEqual([reply.status, reply.code], [status, code], what);
}

/**
 * Polls every POLL_INTERVAL_MS until the verifier fails closed (503 ERR_FEED_STALE), and asserts
 * that no request sent later than maxStalenessMs (plus one poll interval) after `cutAt` was
 * accepted. The verifier's last feed message came at the latest at the cut, so a correct verifier
 * accepts nothing sent after that: this fails on blind acceptance, never on slowness.
 */
async function assertFailsClosed(verifier: VerifierService, credential: Credential, cutAt: number) {
  let lastAcceptedSentAt: number | undefined;
  const staleAt = await waitFor(
    `${verifier.name} to fail closed after the cut`,
    async () => {
      const reply = await verifier.me(credential);
      if (reply.status === 200) {
        lastAcceptedSentAt = reply.sentAt;
        return undefined;
      }
      assertReply(reply, 503, 'ERR_FEED_STALE', `${verifier.name} while cut off`);
      return reply.receivedAt;
    },
    { intervalMs: POLL_INTERVAL_MS },
  );
  if (lastAcceptedSentAt !== undefined) {
    const acceptedAfterMs = lastAcceptedSentAt - cutAt;
    assert.ok(
      acceptedAfterMs <= MAX_STALENESS_MS + POLL_INTERVAL_MS,
      `${verifier.name} accepted a request sent ${acceptedAfterMs.toFixed(0)} ms after the cut (bound ${MAX_STALENESS_MS} ms)`,
    );
  }
  return { staleAfterMs: staleAt - cutAt };
}

/** Asserts `credential` is refused with `code` now and for NEVER_AGAIN_POLLS more requests. */
async function assertStaysRefused(verifier: VerifierService, credential: Credential, code: string) {
  for (let poll = 0; poll <= NEVER_AGAIN_POLLS; poll++) {
    assertReply(
      await verifier.me(credential),
      401,
      code,
      `${verifier.name}, request ${poll + 1} after recovery`,
    );
  }
}

/** Waits until the verifier is past its outage: `credential` (live) is accepted again. */
function waitUntilAccepting(verifier: VerifierService, credential: Credential) {
  return waitFor(`${verifier.name} to accept a live token again`, async () =>
    (await verifier.me(credential)).status === 200 ? true : undefined,
  );
}

describe('revocation feed faults', { timeout: 60_000 }, () => {
  let redis: TestRedisServer;
  const proxies: TcpProxy[] = [];
  let serverLink: TcpProxy;
  let failClosedLink: TcpProxy;
  let introspectingLink: TcpProxy;
  let auth: AuthServer;
  let verifiers: VerifierService[] = [];
  let failClosed: VerifierService;
  let introspecting: VerifierService;
  let sse: VerifierService;

  before(async () => {
    redis = await startTestRedisServer();
    for (let index = 0; index < 3; index++) proxies.push(await startTcpProxy(redis.port));
    [serverLink, failClosedLink, introspectingLink] = proxies as [TcpProxy, TcpProxy, TcpProxy];
    auth = await startAuthServer({ redisUrl: redisUrlFor(serverLink) });
    const common = { ...auth.verifierOptions, maxStalenessMs: MAX_STALENESS_MS };
    verifiers = await startVerifierServices([
      { ...common, name: 'fail-closed (redis)', feed: 'redis', redisUrl: redisUrlFor(failClosedLink) },
      {
        ...common,
        name: 'introspecting (redis)',
        feed: 'redis',
        redisUrl: redisUrlFor(introspectingLink),
        onStale: 'introspect',
      },
      { ...common, name: 'fail-closed (sse)', feed: 'sse' },
    ]);
    [failClosed, introspecting, sse] = verifiers as [VerifierService, VerifierService, VerifierService];
  });

  after(async () => {
    await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
    await auth?.close();
    await Promise.allSettled(proxies.map((proxy) => proxy.close()));
    await redis?.stop();
  });

  it('(a) cut off from Redis: fails closed within maxStalenessMs, then resumes from its cursor and refuses what was revoked meanwhile', async (t) => {
    t.after(() => failClosedLink.restore());
    const email = uniqueEmail('cut');
    await auth.client.register(email);
    const doomed = await auth.client.loginWithToken(email);
    for (let sight = 0; sight < 2; sight++)
      assertReply(await failClosed.me(doomed), 200, undefined, 'accepted, then from the cache');
    const before = await failClosed.state();

    failClosedLink.cut('reset');
    const { staleAfterMs } = await assertFailsClosed(failClosed, doomed, performance.now());
    t.diagnostic(
      `fail-closed 503 ${staleAfterMs.toFixed(0)} ms after the cut (maxStalenessMs ${MAX_STALENESS_MS})`,
    );

    // The auth server still reaches Redis: the revocation goes into the stream the verifier cannot read.
    await auth.client.logout(doomed);
    const fresh = await auth.client.loginWithToken(email);
    assertReply(await failClosed.me(doomed), 503, 'ERR_FEED_STALE', 'revoked, unheard: still 503, never 200');
    assertReply(
      await failClosed.me(fresh),
      503,
      'ERR_FEED_STALE',
      'a new token is not accepted blindly either',
    );
    assert.equal(
      (await failClosed.state({ sid: doomed.sid })).applied,
      false,
      'the cut really kept the event out',
    );

    failClosedLink.restore();
    const restoredAt = performance.now();
    const recovered = await waitFor('the verifier to answer other than 503 after the restore', async () => {
      const reply = await failClosed.me(doomed);
      return reply.status === 503 ? undefined : reply;
    });
    t.diagnostic(`answering again ${(recovered.receivedAt - restoredAt).toFixed(0)} ms after the restore`);
    assertReply(
      recovered,
      401,
      'ERR_TOKEN_REVOKED',
      'the first answer after the outage refuses the revoked token',
    );
    await assertStaysRefused(failClosed, doomed, 'ERR_TOKEN_REVOKED');
    assertReply(await failClosed.me(fresh), 200, undefined, 'an unrevoked token is accepted again');

    const after = await failClosed.state({ sid: doomed.sid });
    assert.equal(after.applied, true);
    assert.equal(after.snapshots, before.snapshots, 'resumed from its cursor, without a new snapshot');
    assert.equal(after.cursorExpired, before.cursorExpired);
    assert.ok(after.metrics.feedReconnects > before.metrics.feedReconnects);
  });

  it("(b) onStale 'introspect': while cut off, the auth server decides every request", async (t) => {
    t.after(() => introspectingLink.restore());
    const email = uniqueEmail('introspect');
    await auth.client.register(email);
    const live = await auth.client.loginWithToken(email);
    const doomed = await auth.client.loginWithToken(email);
    const browser = await auth.client.loginWithSession(email);
    for (const credential of [live, doomed, browser])
      assertReply(await introspecting.me(credential), 200, undefined, `${credential.kind} accepted`);
    const fresh = await introspecting.state();

    // A partition: the verifier's connection stays open and silent; only its watchdog can tell.
    introspectingLink.cut('blackhole');
    await waitFor(
      `${introspecting.name} to notice the silence`,
      async () => {
        assertReply(await introspecting.me(live), 200, undefined, 'a live token is accepted throughout');
        const { metrics } = await introspecting.state();
        return metrics.staleRequests > fresh.metrics.staleRequests ? true : undefined;
      },
      { intervalMs: POLL_INTERVAL_MS },
    );

    const stale = await introspecting.state();
    for (let request = 0; request < 3; request++)
      assertReply(await introspecting.me(live), 200, undefined, 'live, by introspection');
    assert.equal(
      (await introspecting.state()).metrics.introspections - stale.metrics.introspections,
      3,
      'every stale request asks the auth server; nothing comes from the cache',
    );

    await auth.client.logout(doomed);
    assertReply(
      await introspecting.me(doomed),
      401,
      'ERR_TOKEN_REVOKED',
      'the first request after the logout is refused: introspection, not the feed, knew',
    );
    assert.equal((await introspecting.state({ sid: doomed.sid })).applied, false, 'the feed never told it');
    assertReply(await introspecting.me(live), 200, undefined, 'the other session is still live');

    const validations = (await introspecting.state()).sessionValidations;
    assertReply(await introspecting.me(browser), 200, undefined, 'the cookie, asked again');
    assertReply(await introspecting.me(browser), 200, undefined, 'and again');
    assert.equal(
      (await introspecting.state()).sessionValidations - validations,
      2,
      'no cached session while stale',
    );
    await auth.client.logout(browser);
    assertReply(await introspecting.me(browser), 401, 'ERR_SESSION_INVALID', 'a logged-out cookie, at once');

    introspectingLink.restore();
    await waitFor(`${introspecting.name} to catch up with the feed`, async () => {
      const state = await introspecting.state({ sid: doomed.sid });
      return state.applied && state.metrics.feedLagMs < MAX_STALENESS_MS ? true : undefined;
    });
    const caughtUp = await introspecting.state();
    await assertStaysRefused(introspecting, doomed, 'ERR_TOKEN_REVOKED');
    assertReply(await introspecting.me(live), 200, undefined, 'live, from the cache again');
    assert.equal(
      (await introspecting.state()).metrics.introspections,
      caughtUp.metrics.introspections,
      'fresh again: no more introspection',
    );
  });

  it('(c) Redis dies: verifiers fail closed; it restarts empty: they re-snapshot and refuse what is revoked afterwards', async (t) => {
    t.after(() => serverLink.restore());
    const watched = [failClosed, sse];
    const email = uniqueEmail('restart');
    await auth.client.register(email);
    const live = await auth.client.loginWithToken(email);
    const revokedBefore = await auth.client.loginWithToken(email);
    for (const verifier of watched) {
      assertReply(await verifier.me(live), 200, undefined, `${verifier.name}: live`);
      assertReply(await verifier.me(revokedBefore), 200, undefined, `${verifier.name}: not revoked yet`);
    }
    await auth.client.logout(revokedBefore);
    for (const verifier of watched) {
      await waitFor(`${verifier.name} to refuse a logged-out token`, async () =>
        (await verifier.me(revokedBefore)).status === 401 ? true : undefined,
      );
    }
    const before = await Promise.all(watched.map((verifier) => verifier.state()));

    await redis.kill();
    const killedAt = performance.now();
    for (const verifier of watched) {
      const { staleAfterMs } = await assertFailsClosed(verifier, live, killedAt);
      t.diagnostic(`${verifier.name}: 503 ${staleAfterMs.toFixed(0)} ms after Redis died`);
    }

    // Until the verifiers have looked, the auth server must not write into the new, empty Redis:
    // its heartbeats would start a stream with ids past their cursors, and they would resume onto
    // it instead of noticing that the stream they followed is gone. Real restarts race like that
    // too; either way is safe, but this test wants the lost-cursor path every time.
    serverLink.cut('reset');
    await redis.restart();
    const restartedAt = performance.now();
    await waitFor(`${failClosed.name} to find its cursor gone and take a new snapshot`, async () => {
      const state = await failClosed.state();
      return state.cursorExpired > before[0]!.cursorExpired && state.snapshots > before[0]!.snapshots
        ? true
        : undefined;
    });
    t.diagnostic(
      `${failClosed.name}: re-snapshot ${(performance.now() - restartedAt).toFixed(0)} ms after the restart`,
    );
    serverLink.restore();

    for (const verifier of watched) await waitUntilAccepting(verifier, live);
    t.diagnostic(
      `all watched verifiers accepting ${(performance.now() - restartedAt).toFixed(0)} ms after the restart`,
    );
    for (const [index, verifier] of watched.entries()) {
      const state = await verifier.state();
      t.diagnostic(
        `${verifier.name}: ${state.snapshots - before[index]!.snapshots} new snapshot(s), ${state.cursorExpired - before[index]!.cursorExpired} expired cursor(s)`,
      );
      // The restarted Redis forgot that revocation; the verifier did not.
      await assertStaysRefused(verifier, revokedBefore, 'ERR_TOKEN_REVOKED');
    }

    const revokedAfter = await auth.client.loginWithToken(email);
    for (const verifier of watched)
      assertReply(await verifier.me(revokedAfter), 200, undefined, `${verifier.name}: a new session`);
    await auth.client.logout(revokedAfter);
    for (const verifier of watched) {
      await waitFor(`${verifier.name} to refuse a token revoked after the restart`, async () => {
        const reply = await verifier.me(revokedAfter);
        if (reply.status === 200) return undefined;
        assertReply(reply, 401, 'ERR_TOKEN_REVOKED', `${verifier.name}: revoked after the restart`);
        return true;
      });
      await assertStaysRefused(verifier, revokedAfter, 'ERR_TOKEN_REVOKED');
      assertReply(await verifier.me(live), 200, undefined, `${verifier.name}: live`);
    }
  });
});
