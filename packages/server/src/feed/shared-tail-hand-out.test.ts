import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInProcessFeed, type FeedMessage, type RevocationEvent, systemClock } from '@gatehouse/core';
import { inProcessCursors } from './in-process-cursor.ts';
import { createSharedTail } from './shared-tail.ts';

/** An in-process feed behind a shared tail, as openRevocationFeed builds it without Redis. */
function open(deliveriesPerTurn: number, firstDeliveries = 0) {
  const feed = createInProcessFeed({ clock: systemClock, heartbeatMs: 0 });
  const tail = createSharedTail({
    source: feed,
    ...inProcessCursors(feed.head),
    head: async () => feed.head,
    deliveriesPerTurn,
    firstDeliveries,
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
