import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInProcessFeed, type FeedMessage, type RevocationEvent, systemClock } from '@gatehouse/core';
import { inProcessCursors } from './in-process-cursor.ts';
import { inProcessTailOptions } from './tail-options.ts';
import { createSharedTail } from './shared-tail.ts';

/** An in-process feed behind a shared tail, as openRevocationFeed builds it without Redis. */
function open(deliveriesPerTurn: number, firstDeliveries = 0, heartbeatSpreadMs?: number) {
  const feed = createInProcessFeed({ clock: systemClock, heartbeatMs: 0 });
  const tail = createSharedTail({
    source: feed,
    ...inProcessTailOptions(feed),
    deliveriesPerTurn,
    firstDeliveries,
    ...(heartbeatSpreadMs === undefined ? {} : { heartbeatSpreadMs }),
  });
  return { feed, tail };
}

const event = (n: number): RevocationEvent & { type: 'session' } => ({
  type: 'session',
  sid: `sid-${n}`,
  sub: 'user',
  until: Date.now() + 600_000,
});

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sids = (messages: FeedMessage[]) =>
  messages.flatMap((message) =>
    message.kind === 'event' && message.event.type === 'session' ? [message.event.sid] : [],
  );

function follow(tail: ReturnType<typeof open>['tail'], cursor: string) {
  const controller = new AbortController();
  const received: FeedMessage[] = [];
  const done = tail.follow(cursor, (message) => received.push(message), controller.signal);
  return { received, done, stop: () => controller.abort() };
}

async function until(check: () => boolean): Promise<void> {
  for (let turns = 0; !check(); turns++) {
    if (turns > 10_000) throw new Error('never happened');
    await turn();
  }
}

describe('shared tail: handing messages out over turns', () => {
  it('answers the publisher after handing the event to the first few followers, then a bounded number per turn', async () => {
    const { feed, tail } = open(16, 4);
    const followers = Array.from({ length: 100 }, () => follow(tail, feed.head));
    await until(() => tail.followers === 100);
    // The joining heartbeat's pass over the followers is over (an event landing mid-pass joins it).
    for (let t = 0; t < 10; t++) await turn();
    await feed.publish([event(1)]);
    // The publish call is done (a revoke call answers now): only the first 4 have been handed the event.
    assert.equal(followers.filter((f) => sids(f.received).length > 0).length, 4);
    await turn();
    const afterOne = followers.filter((f) => sids(f.received).length > 0).length;
    assert.ok(afterOne > 4 && afterOne <= 20, `${afterOne} followers handed the event by the first turn`);
    await until(() => followers.every((f) => sids(f.received).length === 1));
    tail.close();
    await Promise.all(followers.map((f) => f.done));
  });

  it('hands every follower every event once and in order, across pass boundaries and joins', async () => {
    const { feed, tail } = open(7);
    const followers = Array.from({ length: 60 }, () => follow(tail, feed.head));
    await until(() => tail.followers === 60);
    const published: string[] = [];
    let joinedAt = 0;
    let n = 0;
    // Events land mid-pass (between turns), several per turn, and followers join and leave meanwhile.
    for (let round = 0; round < 12; round++) {
      const batch = Array.from({ length: 1 + (round % 3) }, () => event(++n));
      await feed.publish(batch);
      published.push(...batch.map((e) => e.sid));
      if (round === 4) {
        joinedAt = published.length;
        followers.push(follow(tail, feed.head));
      }
      if (round === 6) followers[3]!.stop();
      for (let t = 0; t < round % 4; t++) await turn();
    }
    // The last event landed mid-pass: it reaches the followers already passed without any later message.
    await until(() => followers.every((f, i) => i === 3 || sids(f.received).at(-1) === published.at(-1)));
    feed.heartbeat();
    await until(() => followers.every((f, i) => i === 3 || f.received.at(-1)?.kind === 'heartbeat'));
    for (const [index, f] of followers.entries()) {
      if (index === 3) continue;
      // The late joiner follows from the feed's head when it joined: everything from there on.
      const expected = index === 60 ? published.slice(joinedAt) : published;
      assert.deepEqual(sids(f.received), expected, `follower ${index}`);
      const cursors = f.received.filter((m) => m.kind === 'event').map((m) => m.cursor);
      assert.deepEqual(cursors, [...new Set(cursors)], `follower ${index}: a cursor twice`);
    }
    assert.ok(joinedAt > 0 && joinedAt < published.length);
    tail.close();
    await Promise.all(followers.map((f) => f.done));
  });

  it("passes a heartbeat at the follower's own cursor (in-process heartbeats repeat the last event's)", async () => {
    const { feed, tail } = open(8);
    await feed.publish([event(1)]);
    const follower = follow(tail, feed.head);
    await until(() => tail.followers === 1);
    follower.received.length = 0;
    feed.heartbeat();
    await until(() => follower.received.length > 0);
    assert.equal(follower.received[0]!.kind, 'heartbeat');
    assert.equal(follower.received[0]!.cursor, feed.head);
    tail.close();
    await follower.done;
  });

  it('hands out what the tail had read before ending its followers on close', async () => {
    const { feed, tail } = open(4);
    const followers = Array.from({ length: 20 }, () => follow(tail, feed.head));
    await until(() => tail.followers === 20);
    await feed.publish([event(1)]);
    tail.close();
    await Promise.all(followers.map((f) => f.done));
    for (const f of followers) assert.deepEqual(sids(f.received), ['sid-1']);
  });
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
async function eventually(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('never happened');
    await sleep(1);
  }
}
const heartbeats = (messages: FeedMessage[]) =>
  messages.filter((message) => message.kind === 'heartbeat').length;

describe('shared tail: heartbeats spread over their interval', () => {
  /** 40 followers, 4 per slice, each tagging what it is handed with its index, in hand-out order. */
  async function spreadTail(heartbeatSpreadMs?: number) {
    const { feed, tail } = open(4, 0, heartbeatSpreadMs);
    const order: { follower: number; message: FeedMessage }[] = [];
    const followers = Array.from({ length: 40 }, (_, index) => {
      const controller = new AbortController();
      const received: FeedMessage[] = [];
      const done = tail.follow(
        feed.head,
        (message) => {
          received.push(message);
          order.push({ follower: index, message });
        },
        controller.signal,
      );
      return { received, done };
    });
    await until(() => tail.followers === 40);
    // Each has had the heartbeat the tail read when it started (its window vouches for it).
    await eventually(() => followers.every((f) => heartbeats(f.received) === 1));
    feed.heartbeat();
    await eventually(() => followers.every((f) => heartbeats(f.received) === 2));
    order.length = 0;
    for (const f of followers) f.received.length = 0;
    return { feed, tail, followers, order };
  }

  it('hands a heartbeat to one slice at a time, each follower once and in the same order every interval', async () => {
    const { feed, tail, followers, order } = await spreadTail(200);
    for (let beat = 1; beat <= 3; beat++) {
      await sleep(400);
      const start = order.length;
      feed.heartbeat();
      // Spread over 200 ms (half the time since the last one, at most 200): 10 slices ~20 ms apart.
      // At full speed 6 turns would hand it to 24 (4 per turn).
      for (let t = 0; t < 6; t++) await turn();
      const early = followers.filter((f) => heartbeats(f.received) === beat).length;
      assert.ok(early >= 4 && early <= 12, `${early} followers had heartbeat ${beat} within 6 turns`);
      await eventually(() => followers.every((f) => heartbeats(f.received) === beat));
      // Every follower once, in the order of the first pass: each gets one heartbeat per interval.
      assert.deepEqual(
        order.slice(start).map((entry) => entry.follower),
        Array.from({ length: 40 }, (_, index) => index),
      );
    }
    tail.close();
    await Promise.all(followers.map((f) => f.done));
  });

  it('hands an event that lands mid-spread to everyone at full speed, after the heartbeat for those not yet passed', async () => {
    const { feed, tail, followers } = await spreadTail(10_000);
    // A long interval: the spread pass would take seconds (50 % of it over 10 slices).
    await sleep(400);
    feed.heartbeat();
    await turn();
    await feed.publish([event(1)]);
    // Not waiting for the heartbeat's slices: a turn or so per 4 followers.
    for (let t = 0; t < 14; t++) await turn();
    for (const f of followers) {
      assert.deepEqual(sids(f.received), ['sid-1']);
      assert.deepEqual(
        f.received.slice(-2).map((message) => message.kind),
        ['heartbeat', 'event'],
      );
    }
    tail.close();
    await Promise.all(followers.map((f) => f.done));
  });

  it('hands heartbeats out at full speed with heartbeatSpreadMs 0', async () => {
    const { feed, tail, followers } = await spreadTail(0);
    await sleep(120);
    feed.heartbeat();
    for (let t = 0; t < 12; t++) await turn();
    assert.ok(followers.every((f) => heartbeats(f.received) === 1));
    tail.close();
    await Promise.all(followers.map((f) => f.done));
  });
});

describe('in-process cursors', () => {
  it('knows only its own epoch and orders by sequence, not text', () => {
    const { isCursor, compare } = inProcessCursors('AbC-_x.12');
    assert.ok(isCursor('AbC-_x.0'));
    assert.ok(isCursor('AbC-_x.1234567'));
    assert.ok(!isCursor('other.3'));
    assert.ok(!isCursor('AbC-_x.'));
    assert.ok(!isCursor('AbC-_x.1e3'));
    assert.ok(!isCursor('AbC-_x.-1'));
    assert.equal(compare('AbC-_x.9', 'AbC-_x.10'), -1);
    assert.equal(compare('AbC-_x.10', 'AbC-_x.10'), 0);
    assert.equal(compare('AbC-_x.11', 'AbC-_x.10'), 1);
  });
});
