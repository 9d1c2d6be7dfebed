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
