import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createInProcessFeed,
  createSseFeedSource,
  encodeSseMessage,
  FeedCursorExpiredError,
  type FeedMessage,
  type InProcessFeed,
  sseResponseHeaders,
} from '@gatehouse/core';
import { createManualClock } from '@gatehouse/core/testing';
import { describe, it } from 'node:test';
import { createFixture } from './testing/fixture.ts';
import type { Verifier } from './types.ts';

/** Polls (real time) until the verifier refuses the token; the feed's delay is what is measured. */
async function untilRefused(verifier: Verifier, token: string, timeoutMs = 3000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    const result = await verifier.verifyToken(token);
    if (!result.ok) {
      assert.equal(result.code, 'ERR_TOKEN_REVOKED');
      return performance.now() - started;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail('token still accepted');
}

describe('createVerifier: following the feed', () => {
  it('reconnects from its last cursor and applies what it missed', async () => {
    const t = await createFixture();
    const { token, claims } = await t.sign();
    await t.feed.publish([{ type: 'token', jti: 'warm-up', until: t.clock.now() + 600_000 }]);
    t.feed.close(); // the connection drops
    assert.equal(t.feed.followers, 0);
    await t.feed.publish([{ type: 'session', sid: claims.sid, sub: claims.sub, until: claims.exp * 1000 }]);
    assert.equal((await t.verifier.verifyToken(token)).ok, true, 'not heard yet');
    await untilRefused(t.verifier, token);
    const metrics = t.verifier.metrics();
    assert.ok(metrics.feedReconnects >= 1);
    assert.equal(metrics.feedEvents, 2, 'each event applied once: nothing replayed twice');
    await t.stop();
  });

  it('takes a new snapshot when the feed can no longer resume its cursor', async () => {
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0, logCapacity: 1 });
    const errors: unknown[] = [];
    const t = await createFixture({ clock, feed, onError: (error) => errors.push(error) });
    const { token, claims } = await t.sign();
    feed.close();
    // Enough events to trim the log past the verifier's cursor.
    await feed.publish([
      { type: 'session', sid: claims.sid, sub: claims.sub, until: claims.exp * 1000 },
      { type: 'token', jti: 'x', until: claims.exp * 1000 },
      { type: 'token', jti: 'y', until: claims.exp * 1000 },
    ]);
    await untilRefused(t.verifier, token);
    assert.ok(errors.some((error) => error instanceof FeedCursorExpiredError));
    await t.verifier.stop();
  });

  it('stop() ends the connection, and start() follows again', async () => {
    const t = await createFixture();
    assert.equal(t.feed.followers, 1);
    await t.verifier.stop();
    assert.equal(t.feed.followers, 0);
    await t.verifier.start();
    assert.equal(t.feed.followers, 1);
    await t.stop();
  });

  it('abandons a connection that stays silent past maxStalenessMs and reconnects', async () => {
    const clock = createManualClock();
    const connections: AbortSignal[] = [];
    const feed = {
      snapshot: async () => ({ events: [], cursor: 'c' }),
      follow: (_cursor: string, _onMessage: unknown, signal: AbortSignal) => {
        connections.push(signal);
        return new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      },
    };
    const t = await createFixture({ clock, feed, maxStalenessMs: 100 });
    clock.advance(101);
    const started = performance.now();
    while (connections.length < 2 && performance.now() - started < 2000) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(connections[0]!.aborted, true);
    assert.ok(connections.length >= 2, 'reconnected');
    await t.stop();
  });
});

/** The SSE endpoints as the server will mount them, on node:http. */
function serveFeed(feed: InProcessFeed): Server {
  return createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/revocations') {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(await feed.snapshot()));
      return;
    }
    const controller = new AbortController();
    request.on('close', () => controller.abort());
    response.writeHead(200, sseResponseHeaders);
    const write = (message: FeedMessage) => response.write(encodeSseMessage(message));
    await feed.follow(url.searchParams.get('since') ?? '', write, controller.signal).catch(() => {});
    response.end();
  });
}

describe('createVerifier over SSE on a real socket', () => {
  it('refuses a token soon after its session is revoked at the auth server', async (context) => {
    const clock = createManualClock(Date.now());
    const feed = createInProcessFeed({ clock, heartbeatMs: 50 });
    const server = serveFeed(feed);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const t = await createFixture({
      clock,
      feed: createSseFeedSource({ baseUrl: `http://127.0.0.1:${port}` }),
    });
    context.after(async () => {
      await t.verifier.stop();
      feed.close();
      server.closeAllConnections();
      server.close();
    });
    const { token, claims } = await t.sign();
    assert.equal((await t.verifier.verifyToken(token)).ok, true);
    while (feed.followers === 0) await new Promise((resolve) => setTimeout(resolve, 5)); // stream connected
    await feed.publish([{ type: 'session', sid: claims.sid, sub: claims.sub, until: claims.exp * 1000 }]);
    const delayMs = await untilRefused(t.verifier, token);
    assert.ok(delayMs < 1000, `revocation took ${delayMs} ms`);
  });
});
