import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createManualClock } from '../testing/manual-clock.ts';
import { FeedCursorExpiredError, type FeedMessage } from './feed.ts';
import { createInProcessFeed } from './in-process-feed.ts';
import type { RevocationEvent } from './revocation-event.ts';

const until = Date.UTC(2026, 0, 1) + 600_000;
const tokenEvent = (jti: string): RevocationEvent => ({ type: 'token', jti, until });
const eventsOf = (messages: FeedMessage[]) => messages.flatMap((m) => (m.kind === 'event' ? [m.event] : []));
const lastCursor = (messages: FeedMessage[]) => messages.at(-1)!.cursor;

function connect(feed: ReturnType<typeof createInProcessFeed>, cursor: string) {
  const messages: FeedMessage[] = [];
  const controller = new AbortController();
  const done = feed.follow(cursor, (m) => messages.push(m), controller.signal);
  return { messages, done, disconnect: () => controller.abort() };
}

describe('createInProcessFeed', () => {
  it('snapshot holds the live revocations and the head cursor', async () => {
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
    await feed.publish([tokenEvent('a'), { type: 'session', sid: 's', sub: 'u', until }]);
    const snapshot = await feed.snapshot();
    assert.equal(snapshot.cursor, feed.head);
    assert.deepEqual(snapshot.events, [{ type: 'session', sid: 's', sub: 'u', until }, tokenEvent('a')]);
  });

  it('follow from a snapshot cursor delivers only later events, live, then ends on abort', async () => {
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
    await feed.publish([tokenEvent('before')]);
    const { cursor } = await feed.snapshot();
    const follower = connect(feed, cursor);
    assert.deepEqual(follower.messages, [{ kind: 'heartbeat', cursor, at: clock.now() }], 'caught-up beat');
    await feed.publish([tokenEvent('live')]);
    assert.deepEqual(eventsOf(follower.messages), [tokenEvent('live')]);
    assert.equal(feed.followers, 1);
    follower.disconnect();
    await follower.done;
    assert.equal(feed.followers, 0);
  });

  it('a follower that reconnects with its last cursor receives exactly the events it missed', async () => {
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
    const first = connect(feed, (await feed.snapshot()).cursor);
    await feed.publish([tokenEvent('1'), tokenEvent('2')]);
    first.disconnect();
    await first.done;
    const resumeAt = lastCursor(first.messages);

    await feed.publish([tokenEvent('3')]);
    await feed.publish([tokenEvent('4')]);

    const second = connect(feed, resumeAt);
    await feed.publish([tokenEvent('5')]);
    assert.deepEqual(eventsOf(second.messages), [tokenEvent('3'), tokenEvent('4'), tokenEvent('5')]);
    const cursors = second.messages.filter((m) => m.kind === 'event').map((m) => m.cursor);
    assert.equal(new Set([resumeAt, ...cursors]).size, 4, 'cursors are distinct');
    second.disconnect();
    await second.done;
  });

  it('sends heartbeats every heartbeatMs with the head cursor and the clock time', async () => {
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 10 });
    const follower = connect(feed, feed.head);
    const beats = () => follower.messages.filter((m) => m.kind === 'heartbeat').length;
    const started = performance.now();
    while (beats() < 4 && performance.now() - started < 2000)
      await new Promise((resolve) => setTimeout(resolve, 5));
    follower.disconnect();
    await follower.done;
    assert.ok(beats() >= 4, `expected the caught-up beat and timed ones, got ${beats()}`);
    for (const beat of follower.messages)
      assert.deepEqual(beat, { kind: 'heartbeat', cursor: feed.head, at: clock.now() });
  });

  it('heartbeat() beats on demand', async () => {
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
    const follower = connect(feed, feed.head);
    clock.advance(5000);
    feed.heartbeat();
    assert.deepEqual(follower.messages.at(-1), { kind: 'heartbeat', cursor: feed.head, at: clock.now() });
    feed.close();
    await follower.done;
  });

  it('refuses a cursor from another feed, a malformed one, one ahead of the head, and one trimmed away', async () => {
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0, logCapacity: 2 });
    const other = createInProcessFeed({ clock, heartbeatMs: 0 });
    const signal = new AbortController().signal;
    const expired = (cursor: string) =>
      assert.rejects(
        feed.follow(cursor, () => {}, signal),
        FeedCursorExpiredError,
      );
    await expired(other.head);
    await expired('garbage');
    await expired(`${feed.head.split('.')[0]}.-1`);
    await expired(`${feed.head.split('.')[0]}.1`);
    const start = feed.head;
    await feed.publish([tokenEvent('1'), tokenEvent('2'), tokenEvent('3'), tokenEvent('4')]);
    await expired(start);
    assert.equal(feed.followers, 0);
  });

  it('tells what came after a cursor, as follow would replay it, up to a limit, and whether it could resume', async () => {
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0, logCapacity: 3 });
    const start = feed.head;
    assert.deepEqual(feed.changesSince(start, 10), { events: [], cursor: start });
    await feed.publish([tokenEvent('1'), tokenEvent('2')]);
    assert.deepEqual(feed.changesSince(start, 2), {
      events: [tokenEvent('1'), tokenEvent('2')],
      cursor: feed.head,
    });
    assert.equal(feed.changesSince(start, 1), null, 'more than the limit');
    assert.equal(feed.canResume(start), true);
    const middle = feed.head;
    await feed.publish([tokenEvent('3'), tokenEvent('4'), tokenEvent('5')]);
    assert.deepEqual(feed.changesSince(middle, 10)?.events, [
      tokenEvent('3'),
      tokenEvent('4'),
      tokenEvent('5'),
    ]);
    // Trimmed past `start`, another feed's cursor, garbage: nothing to tell.
    for (const cursor of [start, createInProcessFeed({ clock, heartbeatMs: 0 }).head, 'garbage']) {
      assert.equal(feed.changesSince(cursor, 10), null, cursor);
      assert.equal(feed.canResume(cursor), false, cursor);
    }
  });

  it('a follower whose handler throws is disconnected with that error', async () => {
    const clock = createManualClock();
    const feed = createInProcessFeed({ clock, heartbeatMs: 0 });
    const boom = new Error('boom');
    const done = feed.follow(
      feed.head,
      (m) => {
        if (m.kind === 'event') throw boom;
      },
      new AbortController().signal,
    );
    await feed.publish([tokenEvent('x')]);
    await assert.rejects(done, boom);
    assert.equal(feed.followers, 0);
  });

  it('an already aborted signal resolves at once without subscribing', async () => {
    const feed = createInProcessFeed({ clock: createManualClock(), heartbeatMs: 0 });
    await feed.follow(feed.head, () => assert.fail('no message expected'), AbortSignal.abort());
    assert.equal(feed.followers, 0);
  });

  it('refuses nonsensical options', () => {
    const clock = createManualClock();
    assert.throws(() => createInProcessFeed({ clock, heartbeatMs: -1 }), TypeError);
    assert.throws(() => createInProcessFeed({ clock, logCapacity: 0 }), TypeError);
  });
});
