/**
 * Revocation across processes, over real sockets: one auth server (Redis Streams feed on a Redis
 * this test starts), four verifier services in child processes, two following Redis directly and
 * two the server's SSE stream. A logout, a logout-all and a cookie logout must reach every one of
 * them. The assertions are about correctness only: a verifier may take its time (every wait is
 * bounded), but once it has applied a revocation it must never accept the credential again. The
 * revoke→refuse delays are reported, not asserted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
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
import type { VerifierService } from './support/verifier-service.ts';
import { summarizeMs, WAIT_MS, waitFor } from './support/wait-for.ts';

/** A short pause between polls, so four pollers leave the machine's two cores to the feed. */
const POLL_GAP_MS = 2;
/** Once refused, a credential must stay refused: this many more requests check it. */
const NEVER_AGAIN_POLLS = 50;
const TOKEN_ROUNDS = 3;

const refusalCode = (credential: Credential) =>
  credential.kind === 'bearer' ? 'ERR_TOKEN_REVOKED' : 'ERR_SESSION_INVALID';

/** When the revocation request was sent: on this process's monotonic clock, and as epoch ms. */
interface RevokedAt {
  now: number;
  epochMs: number;
}

/** Both delays from sending the revocation: until the verifier applied the event, and until a client saw a 401. */
interface Delays {
  deliverMs: number;
  refuseMs: number;
}

/**
 * Polls `verifier` with `credential` until it refuses, and returns the delays. Before each request
 * it asks the verifier whether the revocation has been applied, so an acceptance after that point
 * is caught, however short the window.
 */
async function measureRefusal(
  verifier: VerifierService,
  credential: Credential,
  revokedAt: RevokedAt,
  by: 'sid' | 'sub',
): Promise<Delays> {
  // logout-all is one `user` event naming the sub (issue 10), a logout a `session` event.
  const names = by === 'sid' ? { sid: credential.sid } : { sub: credential.sub };
  const what = `${verifier.name} (${credential.kind})`;
  for (;;) {
    const { applied } = await verifier.state(names);
    const reply = await verifier.me(credential);
    if (reply.status === 200) {
      assert.equal(
        applied,
        false,
        `${what} accepted a credential after applying the revocation of its session`,
      );
      if (performance.now() - revokedAt.now > WAIT_MS)
        assert.fail(`${what} still accepts the credential ${WAIT_MS} ms after its revocation`);
      await sleep(POLL_GAP_MS);
      continue;
    }
    assert.deepEqual([reply.status, reply.code], [401, refusalCode(credential)], `${what} refusal`);
    const refuseMs = reply.receivedAt - revokedAt.now;
    // The verifier's own clock says when it applied the event (same machine, so comparable).
    const appliedAtMs = await waitFor(
      `${what} to report the revocation applied`,
      async () => (await verifier.state(names)).appliedAtMs ?? undefined,
    );
    for (let poll = 1; poll <= NEVER_AGAIN_POLLS; poll++) {
      const again = await verifier.me(credential);
      assert.equal(
        again.status,
        401,
        `${what} accepted the credential again, ${poll} requests after refusing it`,
      );
    }
    return { deliverMs: appliedAtMs - revokedAt.epochMs, refuseMs };
  }
}

describe('revocation reaches every verifier process', { timeout: 60_000 }, () => {
  let redis: TestRedisServer;
  let auth: AuthServer;
  let verifiers: VerifierService[] = [];
  const delays: Record<'redis' | 'sse', Delays[]> = { redis: [], sse: [] };

  function report(t: TestContext, label: string, samples: Record<'redis' | 'sse', Delays[]>): void {
    for (const feed of ['redis', 'sse'] as const) {
      const of = (pick: (delays: Delays) => number) => samples[feed].map(pick);
      t.diagnostic(
        summarizeMs(
          `${label}, ${feed}: revoke→applied`,
          of((sample) => sample.deliverMs),
        ),
      );
      t.diagnostic(
        summarizeMs(
          `${label}, ${feed}: revoke→401 seen`,
          of((sample) => sample.refuseMs),
        ),
      );
    }
  }

  before(async () => {
    redis = await startTestRedisServer();
    auth = await startAuthServer({ redisUrl: redis.url });
    const common = { ...auth.verifierOptions, redisUrl: redis.url };
    verifiers = await startVerifierServices([
      { ...common, name: 'verifier-redis-1', feed: 'redis' },
      { ...common, name: 'verifier-redis-2', feed: 'redis' },
      { ...common, name: 'verifier-sse-1', feed: 'sse' },
      { ...common, name: 'verifier-sse-2', feed: 'sse' },
    ]);
  });

  after(async (t) => {
    await Promise.allSettled(verifiers.map((verifier) => verifier.stop()));
    await auth?.close();
    await redis?.stop();
    // Typed as either, a suite's hook runs with a TestContext, which reports diagnostics.
    report(t as TestContext, 'all cases', delays);
  });

  /** Every verifier accepts every credential (twice: the second answer comes from its cache). */
  async function assertAcceptedEverywhere(credentials: Credential[]): Promise<void> {
    for (const verifier of verifiers) {
      for (const credential of credentials) {
        for (const sight of ['first', 'cached']) {
          const reply = await verifier.me(credential);
          assert.equal(reply.status, 200, `${verifier.name}, ${sight} sight: ${reply.code}`);
          assert.equal(reply.principal?.sid, credential.sid);
          assert.equal(reply.principal?.strategy, credential.kind === 'bearer' ? 'jwt' : 'session');
        }
      }
    }
  }

  /**
   * Revokes with `revoke` while every verifier is polled for every credential; reports and keeps
   * the delays. They are measured from sending the revocation request, so they include the auth
   * server handling it.
   */
  async function revokeAndMeasure(
    t: TestContext,
    credentials: Credential[],
    revoke: () => Promise<void>,
    by: 'sid' | 'sub' = 'sid',
  ): Promise<void> {
    const revokedAt = { now: performance.now(), epochMs: Date.now() };
    const measured: Record<'redis' | 'sse', Delays[]> = { redis: [], sse: [] };
    const pollers = verifiers.flatMap((verifier) =>
      credentials.map(async (credential) =>
        // This test starts no pull-mode verifier.
        measured[verifier.feed as 'redis' | 'sse'].push(
          await measureRefusal(verifier, credential, revokedAt, by),
        ),
      ),
    );
    await Promise.all([...pollers, revoke()]);
    for (const feed of ['redis', 'sse'] as const) delays[feed].push(...measured[feed]);
    report(t, t.name.split(':')[0]!, measured);
  }

  it('logout: every verifier refuses the access token, and keeps refusing it', async (t) => {
    const email = uniqueEmail('logout');
    await auth.client.register(email);
    for (let round = 0; round < TOKEN_ROUNDS; round++) {
      const token = await auth.client.loginWithToken(email);
      await assertAcceptedEverywhere([token]);
      await revokeAndMeasure(t, [token], () => auth.client.logout(token));
    }
  });

  it('logout-all: every verifier refuses every token and the session cookie of the user', async (t) => {
    const email = uniqueEmail('logout-all');
    await auth.client.register(email);
    const first = await auth.client.loginWithToken(email);
    const second = await auth.client.loginWithToken(email);
    const browser = await auth.client.loginWithSession(email);
    const credentials = [first, second, browser];
    await assertAcceptedEverywhere(credentials);
    await revokeAndMeasure(t, credentials, () => auth.client.logoutAll(first), 'sub');
  });

  it('session cookie: validated by introspection once, then cached, and dropped on the event', async (t) => {
    const email = uniqueEmail('cookie');
    await auth.client.register(email);
    const browser = await auth.client.loginWithSession(email);
    const before = await Promise.all(verifiers.map((verifier) => verifier.state()));
    await assertAcceptedEverywhere([browser]);
    for (const [index, verifier] of verifiers.entries()) {
      const state = await verifier.state();
      assert.equal(
        state.sessionValidations - before[index]!.sessionValidations,
        1,
        `${verifier.name}: one introspection, then the cache answers`,
      );
    }
    await revokeAndMeasure(t, [browser], () => auth.client.logout(browser));
    for (const [index, verifier] of verifiers.entries()) {
      const { metrics } = await verifier.state();
      assert.ok(
        metrics.cacheRevocations > before[index]!.metrics.cacheRevocations,
        `${verifier.name}: the revocation event dropped the cached session`,
      );
    }
  });
});
