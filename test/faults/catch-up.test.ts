/**
 * Issue 10, point 2: freshness only at the head. A verifier that reconnects after an outage reads
 * a backlog; the heartbeats in that backlog are old, and counting one as fresh would let a cached
 * token through while its revocation is still further down the stream. The Redis feed delivers a
 * heartbeat only when it is the newest entry of a read that reached the head.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FeedMessage, systemClock } from '@gatehouse/core';
import { Redis } from 'ioredis';
import { createRedisStreamFeed } from '../../packages/server/src/feed/redis-stream-feed.ts';
import {
  startTestRedisServer,
  type TestRedisServer,
} from '../../packages/server/src/store/redis/test-redis-server.ts';

describe('faults: catch-up after an outage', { timeout: 30_000 }, () => {
  let redis: TestRedisServer;
  let client: Redis;

  before(async () => {
    redis = await startTestRedisServer();
    client = new Redis(redis.url, { lazyConnect: true });
    await client.connect();
  });

  after(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it('delivers no replayed heartbeat before the revocation that follows it, only the one at the head', async () => {
    const streamKey = 'catch-up:revocations';
    const feed = createRedisStreamFeed({ client, clock: systemClock, streamKey });
    // A backlog wider than one read (1000 entries): old heartbeats, one revocation, a few more heartbeats.
    const pipeline = client.pipeline();
    for (let index = 0; index < 2500; index++) pipeline.xadd(streamKey, '*', 'heartbeat', String(Date.now()));
    await pipeline.exec();
    const revocation = { type: 'session', sid: 'sid-1', sub: 'user-1', until: Date.now() + 600_000 } as const;
    await feed.publish([revocation]);
    for (let index = 0; index < 5; index++)
      await client.xadd(streamKey, '*', 'heartbeat', String(Date.now()));

    const received: FeedMessage[] = [];
    const stop = new AbortController();
    await feed.follow(
      '0-0',
      (message) => {
        received.push(message);
        if (message.kind === 'heartbeat') stop.abort();
      },
      AbortSignal.any([stop.signal, AbortSignal.timeout(10_000)]),
    );
    assert.deepEqual(
      received.map((message) => message.kind),
      ['event', 'heartbeat'],
      'the revocation first, then only the heartbeat at the head',
    );
    const [head] = await client.xrevrange(streamKey, '+', '-', 'COUNT', 1);
    assert.equal(received[1]!.cursor, head![0], 'the heartbeat delivered is the newest entry');
  });
});
