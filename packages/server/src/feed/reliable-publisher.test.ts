import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RevocationEvent } from '@gatehouse/core';
import { createManualClock } from '@gatehouse/core/testing';
import { createReliablePublisher } from './reliable-publisher.ts';

function flakyFeed() {
  const state = { up: true, published: [] as RevocationEvent[], heartbeats: 0 };
  return {
    state,
    inner: {
      async publish(events: RevocationEvent[]) {
        if (!state.up) throw new Error('feed unreachable');
        state.published.push(...events);
      },
      async heartbeat() {
        if (!state.up) throw new Error('feed unreachable');
        state.heartbeats++;
      },
    },
  };
}

describe('createReliablePublisher', () => {
  it('publishes what the outbox still holds pending before it heartbeats, and confirms what landed', async () => {
    const clock = createManualClock();
    const feed = flakyFeed();
    const leftBehind: RevocationEvent = {
      type: 'session',
      sid: 'dead',
      sub: 'u0',
      until: clock.now() + 600_000,
    };
    const mine: RevocationEvent = { type: 'session', sid: 's1', sub: 'u1', until: clock.now() + 600_000 };
    let outbox = [leftBehind];
    const confirmed: RevocationEvent[] = [];
    const publisher = createReliablePublisher({
      inner: feed.inner,
      clock,
      onError: () => {},
      recover: async () => outbox,
      confirm: async (events) => {
        confirmed.push(...events);
        outbox = outbox.filter((event) => !events.includes(event));
      },
    });
    await publisher.publish([mine]);
    assert.deepEqual(confirmed, [], 'confirmed on the next step, off the request path');

    feed.state.up = false;
    await publisher.tick();
    assert.equal(feed.state.heartbeats, 0);
    feed.state.up = true;
    // The feed refuses the recovered event: no heartbeat vouches for a feed without it.
    const original = feed.inner.publish;
    feed.inner.publish = async () => {
      throw new Error('feed unreachable');
    };
    await publisher.tick();
    assert.equal(feed.state.heartbeats, 0);
    feed.inner.publish = original;
    await publisher.tick();
    assert.deepEqual(feed.state.published, [mine, leftBehind]);
    assert.deepEqual(confirmed, [mine, leftBehind]);
    assert.equal(feed.state.heartbeats, 1);
    await publisher.tick();
    assert.deepEqual(feed.state.published, [mine, leftBehind], 'nothing pending is published again');
    assert.equal(feed.state.heartbeats, 2);
  });

  it('keeps an event the feed refused, withholds heartbeats meanwhile, and delivers it once the feed is back', async () => {
    const clock = createManualClock();
    const feed = flakyFeed();
    const errors: Error[] = [];
    const publisher = createReliablePublisher({ inner: feed.inner, clock, onError: (e) => errors.push(e) });
    await publisher.tick();
    assert.equal(feed.state.heartbeats, 1);

    feed.state.up = false;
    const event: RevocationEvent = { type: 'session', sid: 's1', sub: 'u1', until: clock.now() + 600_000 };
    await publisher.publish([event]); // must not throw: the logout already happened in the store
    assert.equal(publisher.pending, 1);
    assert.equal(errors.length, 1);

    feed.state.up = true;
    // Back up, but the event is still pending: the next step publishes it before any heartbeat.
    await publisher.tick();
    assert.deepEqual(feed.state.published, [event]);
    assert.equal(publisher.pending, 0);
    assert.equal(feed.state.heartbeats, 2, 'a heartbeat only after the pending event landed');
  });

  it('sends no heartbeat while an event cannot be delivered', async () => {
    const clock = createManualClock();
    const feed = flakyFeed();
    const publisher = createReliablePublisher({ inner: feed.inner, clock, onError: () => {} });
    feed.state.up = false;
    await publisher.publish([{ type: 'user', sub: 'u1', before: clock.now(), until: clock.now() + 1000 }]);
    feed.state.up = true;
    let publishCalls = 0;
    const original = feed.inner.publish;
    feed.inner.publish = async (events) => {
      publishCalls++;
      throw new Error(`still failing (${events.length})`);
    };
    await publisher.tick();
    assert.equal(publishCalls, 1);
    assert.equal(feed.state.heartbeats, 0);
    feed.inner.publish = original;
  });

  it("drops a pending event once every token it covers has expired, plus the verifiers' leeway", async () => {
    const clock = createManualClock();
    const feed = flakyFeed();
    const publisher = createReliablePublisher({ inner: feed.inner, clock, onError: () => {} });
    feed.state.up = false;
    await publisher.publish([{ type: 'token', jti: 'j1', until: clock.now() + 1000 }]);
    clock.advance(1001);
    await publisher.tick();
    assert.equal(publisher.pending, 1, 'kept past until: verifiers still accept the token for their leeway');
    clock.advance(60_000);
    feed.state.up = true;
    await publisher.tick();
    assert.equal(publisher.pending, 0);
    assert.deepEqual(feed.state.published, []);
    assert.equal(feed.state.heartbeats, 1);
  });

  it('returns from publish within publishWaitMs while the feed hangs, and delivers later', async () => {
    const clock = createManualClock();
    const feed = flakyFeed();
    let release: () => void = () => {};
    const original = feed.inner.publish;
    feed.inner.publish = (events) =>
      new Promise<void>((resolve) => {
        release = () => original(events).then(resolve);
      });
    const publisher = createReliablePublisher({
      inner: feed.inner,
      clock,
      onError: () => {},
      publishWaitMs: 50,
    });
    const started = performance.now();
    await publisher.publish([{ type: 'token', jti: 'j1', until: clock.now() + 1000 }]);
    assert.ok(performance.now() - started < 2000, 'publish did not wait for the hanging feed');
    assert.equal(publisher.pending, 1);
    const ticking = publisher.tick();
    release();
    await ticking;
    assert.equal(publisher.pending, 0);
    assert.equal(feed.state.published.length, 1);
  });
});
