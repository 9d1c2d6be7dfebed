import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FeedMessage, RevocationEvent } from '@gatehouse/core';
import { Redis } from 'ioredis';
import { followStream } from './stream-follow.ts';

const redisUrl = new URL(process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379');

/**
 * A TCP relay to Redis that can stop forwarding what one connection sends (its requests) while
 * still relaying Redis's answers: with it held, only replies to requests already sent can arrive.
 */
function startRelay(): Promise<{ server: Server; port: number; connections: Relayed[] }> {
  const connections: Relayed[] = [];
  const server = createServer((client) => {
    const upstream = connect(Number(redisUrl.port || 6379), redisUrl.hostname);
    const relayed: Relayed = { client, sent: '', held: false };
    connections.push(relayed);
    client.on('data', (chunk) => {
      relayed.sent += chunk.toString('latin1').toUpperCase();
      if (!relayed.held) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', closeBoth).on('close', closeBoth);
    upstream.on('error', closeBoth).on('close', closeBoth);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0, connections });
    }),
  );
}

interface Relayed {
  client: Socket;
  /** Everything this connection sent, as upper-case text (RESP). */
  sent: string;
  /** While true, what it sends is dropped, not forwarded. */
  held: boolean;
}

let relay: Awaited<ReturnType<typeof startRelay>>;
let direct: Redis;
before(async () => {
  relay = await startRelay();
  direct = new Redis(redisUrl.href);
});
after(async () => {
  direct.disconnect();
  for (const connection of relay.connections) connection.client.destroy();
  relay.server.close();
});

const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('followStream', () => {
  it('delivers an event in the one round trip of its read: no request to Redis in between', async (t) => {
    const streamKey = `gh-test-follow-${randomBytes(8).toString('hex')}`;
    const client = new Redis({ host: '127.0.0.1', port: relay.port, lazyConnect: true });
    t.after(async () => {
      client.disconnect();
      await direct.del(streamKey);
    });
    await direct.xadd(streamKey, '*', 'heartbeat', '1');
    const received: FeedMessage[] = [];
    const stop = new AbortController();
    const following = followStream(
      { client, streamKey, blockMs: 10_000, onError: () => {} },
      '0-0',
      (message) => received.push(message),
      AbortSignal.any([stop.signal, AbortSignal.timeout(10_000)]),
    );
    t.after(() => stop.abort());
    // The follower read the heartbeat and blocks on its next read.
    await until(() => received.length === 1, 'the heartbeat');
    const follower = relay.connections.find((connection) => connection.sent.includes('XREAD'));
    assert.ok(follower);
    const reads = () => follower.sent.split('XREAD').length - 1;
    await until(() => reads() === 2, 'the second read');
    // What the follower sends with its read is sent by now; anything it sends from here on is held.
    await new Promise((resolve) => setTimeout(resolve, 100));
    follower.held = true;

    const event: RevocationEvent = { type: 'token', jti: 'jti-one-trip', until: Date.now() + 60_000 };
    await direct.xadd(streamKey, '*', 'event', JSON.stringify(event));
    // Only the answers to requests already sent reach the follower: the event must need no other.
    await until(() => received.length === 2, 'the event, without a further request to Redis');
    assert.deepEqual(received[1], { kind: 'event', cursor: received[1]!.cursor, event });
    stop.abort();
    await following;
  });
});
