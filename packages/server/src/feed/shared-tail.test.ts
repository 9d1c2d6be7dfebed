import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { FeedCursorExpiredError, type FeedMessage, type RevocationEvent, systemClock } from '@gatehouse/core';
import { Redis } from 'ioredis';
import {
  redisCommandCalls,
  startTestRedisServer,
  type TestRedisServer,
} from '../store/redis/test-redis-server.ts';
import { createRedisStreamFeed, type RedisStreamFeed } from './redis-stream-feed.ts';
import { createSharedTail, type SharedTail } from './shared-tail.ts';
import { redisTailOptions } from './tail-options.ts';

const WAIT_MS = 5_000;

let redis: TestRedisServer;
let client: Redis;
before(async () => {
  // A server of its own: the test counts every connection and command it sees.
  redis = await startTestRedisServer();
  client = new Redis(redis.url);
});
after(async () => {
  client?.disconnect();
  await redis?.stop();
});

function open(windowSize?: number): { feed: RedisStreamFeed; tail: SharedTail; streamKey: string } {
  const streamKey = `gh-test-tail-${randomBytes(6).toString('hex')}`;
  const feed = createRedisStreamFeed({ client, clock: systemClock, streamKey, blockMs: 200 });
  const tail = createSharedTail({
    source: feed,
    ...redisTailOptions(feed),
    ...(windowSize ? { windowSize } : {}),
  });
  return { feed, tail, streamKey };
}

const sessionEvent = (n: number): RevocationEvent => ({
  type: 'session',
  sid: `sid-${n}-${randomBytes(4).toString('hex')}`,
  sub: 'user',
  until: Date.now() + 600_000,
});

/** A follower collecting what it is sent, until `stop`. */
function follow(tail: SharedTail, cursor: string) {
  const controller = new AbortController();
  const received: FeedMessage[] = [];
  const done = tail.follow(cursor, (message) => received.push(message), controller.signal);
  return { received, done, stop: () => controller.abort() };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function followerConnections(): Promise<number> {
  const list = (await client.call('CLIENT', 'LIST')) as string;
  return list.split('\n').filter((line) => line.includes('name=gatehouse-feed-follower')).length;
}

const commandCalls = (command: string) => redisCommandCalls(client, command);

const isLast = (follower: { received: FeedMessage[] }, event: RevocationEvent) =>
  isDeepStrictEqual(events(follower.received).at(-1), event);

const events = (messages: FeedMessage[]) =>
  messages.flatMap((message) => (message.kind === 'event' ? [message.event] : []));

describe('shared tail of the Redis Streams feed', { timeout: 30_000 }, () => {
  it('serves many followers from one Redis connection, reading each entry once', async (t) => {
    const { feed, tail } = open();
    const head = await feed.head();
    const followers = Array.from({ length: 50 }, () => follow(tail, head));
    await waitFor('the tail to connect', async () => (await followerConnections()) === 1);
    const xreadBefore = await commandCalls('xread');
    const xinfoBefore = await commandCalls('xinfo|stream');
    const published = Array.from({ length: 10 }, (_, n) => sessionEvent(n));
    for (const event of published) await feed.publish([event]);
    await waitFor('every follower to get every event', () =>
      followers.every(({ received }) => events(received).length === published.length),
    );
    for (const { received } of followers) assert.deepEqual(events(received), published);
    assert.equal(await followerConnections(), 1, 'one Redis connection for 50 followers');
    const reads = (await commandCalls('xread')) - xreadBefore;
    const infos = (await commandCalls('xinfo|stream')) - xinfoBefore;
    t.diagnostic(`${reads} XREAD and ${infos} XINFO STREAM for ${published.length} entries, 50 followers`);
    assert.ok(reads >= 1 && infos >= 1, 'the commands are counted');
    assert.ok(reads <= published.length + 2, `${reads} XREADs for ${published.length} entries`);
    assert.ok(infos <= published.length + 2, `${infos} XINFO STREAMs for ${published.length} entries`);
    assert.equal(tail.followers, 50);
    for (const follower of followers) follower.stop();
    await Promise.all(followers.map(({ done }) => done));
    await waitFor('the tail to stop with its last follower', async () => (await followerConnections()) === 0);
  });

  it('replays the events after a cursor it holds, and catches up on its own from an older one', async () => {
    const { feed, tail } = open(2);
    const live = follow(tail, await feed.head());
    const published = Array.from({ length: 6 }, (_, n) => sessionEvent(n));
    for (const event of published) await feed.publish([event]);
    await waitFor('the tail to read them', () => events(live.received).length === published.length);
    const cursors = live.received.filter((m) => m.kind === 'event').map((m) => m.cursor);

    const near = follow(tail, cursors[3]!); // within the window (the last two or so)
    const far = follow(tail, cursors[0]!); // before it: reads Redis on its own first
    await waitFor('the far follower to catch up', () => events(far.received).length >= 5);
    assert.deepEqual(events(near.received), published.slice(4));
    assert.deepEqual(events(far.received), published.slice(1));
    await waitFor('the far follower to join the tail', () => tail.followers === 3);
    await waitFor('its own connection to close', async () => (await followerConnections()) === 1);

    const later = sessionEvent(99);
    await feed.publish([later]);
    for (const follower of [live, near, far]) await waitFor('the later event', () => isLast(follower, later));
    assert.deepEqual(events(far.received), [...published.slice(1), later], 'nothing lost or repeated');
    for (const follower of [live, near, far]) follower.stop();
  });

  it('starts its window with the newest events, but never before an entry deleted after a cursor (a seed fence)', async () => {
    const { feed, streamKey: key } = open();
    const [first, second, third, fourth] = Array.from({ length: 4 }, (_, n) => sessionEvent(n));
    await feed.publish([first!, second!]);
    const beforeFence = (await client.xrange(key, '-', '+'))[0]![0];
    // What a seed after a loss of the feed does first (lua/begin-seed.lua): an entry added and deleted.
    const fence = (await client.xadd(key, '*', 'heartbeat', '1'))!;
    await client.xdel(key, fence);
    await feed.publish([third!]);
    const afterFence = (await client.xrange(key, '-', '+')).at(-1)![0];
    await feed.publish([fourth!]);
    // A tail started now (a server just started), its window filled with the stream's newest events.
    const tail = createSharedTail({ source: feed, ...redisTailOptions(feed) });
    const reads = await commandCalls('xread');
    const near = follow(tail, afterFence);
    await waitFor('the event after its cursor', () => events(near.received).length === 1);
    assert.deepEqual(events(near.received), [fourth]);
    assert.ok((await commandCalls('xread')) - reads <= 1, 'joined the window: no catch-up read of its own');
    // A cursor from before the fence is refused, as the feed refuses it, never replayed from the window.
    await assert.rejects(
      // Joined instead, it would end (resolve) when the signal times out.
      tail.follow(beforeFence, () => {}, AbortSignal.timeout(WAIT_MS)),
      FeedCursorExpiredError,
    );
    near.stop();
    await near.done;
  });

  it('refuses a cursor ahead of the stream or not a stream id, as the feed does', async () => {
    const { feed, tail } = open();
    const keeper = follow(tail, await feed.head());
    await feed.publish([sessionEvent(1)]);
    const signal = new AbortController().signal;
    await assert.rejects(
      tail.follow('9999999999999-0', () => {}, signal),
      FeedCursorExpiredError,
    );
    await assert.rejects(
      tail.follow('nonsense', () => {}, signal),
      FeedCursorExpiredError,
    );
    keeper.stop();
    await keeper.done;
  });

  it('says a follower is accepted at once, before any message; never for a refused cursor', async () => {
    const { feed, tail } = open();
    // No heartbeats on this feed: nothing is sent until something is published.
    const controller = new AbortController();
    const received: FeedMessage[] = [];
    let opened = 0;
    const done = tail.follow(
      await feed.head(),
      (m) => received.push(m),
      controller.signal,
      () => {
        opened++;
      },
    );
    await waitFor('the follower to be accepted', () => opened === 1);
    assert.deepEqual(received, [], 'accepted with nothing to send yet');
    const event = sessionEvent(1);
    await feed.publish([event]);
    await waitFor('the event', () => events(received).length === 1);
    assert.equal(opened, 1, 'once');

    let refusedOpened = 0;
    await assert.rejects(
      tail.follow(
        '9999999999999-0',
        () => {},
        controller.signal,
        () => refusedOpened++,
      ),
      FeedCursorExpiredError,
    );
    assert.equal(refusedOpened, 0);
    controller.abort();
    await done;
  });

  it('ends a follower that throws and keeps serving the others', async () => {
    const { feed, tail } = open();
    const head = await feed.head();
    const controller = new AbortController();
    const failing = tail.follow(
      head,
      () => {
        throw new Error('consumer failed');
      },
      controller.signal,
    );
    const healthy = follow(tail, head);
    const event = sessionEvent(1);
    await feed.publish([event]);
    await assert.rejects(failing, /consumer failed/);
    await waitFor('the healthy follower', () => events(healthy.received).length === 1);
    assert.equal(tail.followers, 1);
    healthy.stop();
  });
});
