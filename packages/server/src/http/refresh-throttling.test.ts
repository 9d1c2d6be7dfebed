/**
 * Refresh-token rotations are counted per session (`Throttles.refreshSession`, the real
 * rate-limiter-flexible throttles in memory, over the real SQLite store): past the limit a refresh
 * is 429 before anything is spent or stored, on every route that rotates (`/auth/refresh` by body
 * and by cookie, `/oauth/token`), while the user's other sessions refresh as before.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { openSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { refreshSetCookie } from '../testing/http-assertions.ts';
import {
  loginWithTokens,
  refreshWithBody,
  refreshWithCookie,
  registerAndLoginWithTokens,
} from '../testing/inject-client.ts';
import { assertThrottled, createThrottledServer } from '../testing/throttle-test-support.ts';

const LIMIT = 3;
const MINUTE_MS = 60_000;

// rate-limiter-flexible judges its counters by Date.now(): time moves only when a test ticks it.
beforeEach(() => mock.timers.enable({ apis: ['Date'], now: Date.UTC(2026, 0, 1) }));
afterEach(() => mock.timers.reset());

async function throttledServer() {
  const store = await openSqliteStore({ path: ':memory:' });
  const server = createThrottledServer({ refreshSession: { limit: LIMIT, windowSeconds: 60 } }, { store });
  return server;
}

const auditOf = async (server: Awaited<ReturnType<typeof throttledServer>>, type: string) =>
  server.store.audit.query({ type, limit: 100 });

/** Rotates `token` by body `times` times, each answer 200; the last token. */
async function rotateTimes(app: FastifyInstance, token: string, times: number): Promise<string> {
  let current = token;
  for (let index = 0; index < times; index++) {
    const answer = await refreshWithBody(app, current);
    assert.equal(answer.statusCode, 200, answer.body);
    current = (answer.json() as { refreshToken: string }).refreshToken;
  }
  return current;
}

describe('refresh rotations per session', () => {
  it('refuses the rotation past the limit with 429 and Retry-After, spending and storing nothing, and audits the lock once', async () => {
    const server = await throttledServer();
    const login = await registerAndLoginWithTokens(server.app, 'loop@example.com', 'token');
    const last = await rotateTimes(server.app, login.refreshToken, LIMIT);

    assertThrottled(await refreshWithBody(server.app, last), 1, 60);
    assertThrottled(await refreshWithBody(server.app, last), 1, 60);

    assert.equal((await auditOf(server, 'refresh.rotated')).length, LIMIT, 'no rotation past the limit');
    const locks = await auditOf(server, 'throttle.locked');
    assert.equal(locks.length, 1, 'the first refusal of the lock only');
    assert.equal(locks[0]?.sessionId, login.sessionId);
    assert.equal(locks[0]?.subjectId, login.userId);
    assert.deepEqual(locks[0]?.data, { scope: 'refresh_session', retryAfterSeconds: 60 });
    // The refused token was not spent: once the window is over it rotates, as the live member of its family.
    mock.timers.tick(MINUTE_MS);
    const answer = await refreshWithBody(server.app, last);
    assert.equal(answer.statusCode, 200, answer.body);
    assert.equal((await auditOf(server, 'refresh.rotated')).length, LIMIT + 1);
    assert.equal((await auditOf(server, 'refresh.reuse_detected')).length, 0);
  });

  it("counts each session apart: the user's other session refreshes while one is locked", async () => {
    const server = await throttledServer();
    const first = await registerAndLoginWithTokens(server.app, 'two@example.com', 'token');
    const second = await loginWithTokens(server.app, 'two@example.com', 'token');
    const locked = await rotateTimes(server.app, first.refreshToken, LIMIT);
    assertThrottled(await refreshWithBody(server.app, locked), 1, 60);

    await rotateTimes(server.app, second.refreshToken, LIMIT);
  });

  it('holds on /oauth/token and on the hybrid cookie refresh alike', async () => {
    const server = await throttledServer();
    const token = await registerAndLoginWithTokens(server.app, 'oauth@example.com', 'token');
    const locked = await rotateTimes(server.app, token.refreshToken, LIMIT);
    const viaOAuth = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: locked }).toString(),
    });
    assertThrottled(viaOAuth, 1, 60);

    const hybrid = await loginWithTokens(server.app, 'oauth@example.com', 'hybrid');
    let cookie = hybrid.refreshToken;
    for (let index = 0; index < LIMIT; index++) {
      const answer = await refreshWithCookie(server.app, cookie, hybrid.csrfToken);
      assert.equal(answer.statusCode, 200, answer.body);
      cookie = refreshSetCookie(answer)!.value;
    }
    assertThrottled(await refreshWithCookie(server.app, cookie, hybrid.csrfToken), 1, 60);
  });
});
